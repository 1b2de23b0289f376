"""Use vlaplan from Python: execute() once, then an Executor for repeated calls.

    .venv/bin/python examples/library_use.py                    # scripted skills
    .venv/bin/python examples/library_use.py --policy vla       # the shipped VLA checkpoint

Shows the result object (JSON-serialisable), live events, faults with replanning, and the
open-loop ablation.
"""
from __future__ import annotations

import argparse

import vlaplan
from vlaplan.executor import events


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--policy", default="scripted")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    # 1. One call: instruction in, result out.
    result = vlaplan.execute("stack purple on orange", domain="tabletop", policy=args.policy,
                             seed=args.seed)
    print(result.summary())
    for step in result.steps:
        print(f"  {step.call:28s} {step.outcome.value:10s} {step.frames:4d} steps  {step.prompt!r}")
    print("  as JSON:", result.model_dump_json()[:100], "...")

    # 2. Repeated calls keep the domain, planner, twin and policy warm.
    ex = vlaplan.Executor("tabletop", args.policy)

    def show(event: events.Event) -> None:  # live events, e.g. for a GUI or a log
        if isinstance(event, events.PlanMade):
            print(f"  plan: {' '.join(event.plan.actions)}  ({event.plan.cause})")
        elif isinstance(event, events.FaultInjected):
            print(f"  fault: {event.fault.kind}({event.fault.target}): {event.fault.detail}")
        elif isinstance(event, events.Replanning):
            print(f"  replanning: {event.detail}")

    text = "stack purple on orange on blue_1"
    closed = ex.run(text, seed=args.seed, faults="displace(blue_1)@4", on_event=show)
    print("with replanning:", closed.summary())
    open_loop = ex.run(text, seed=args.seed, faults="displace(blue_1)@4", replan=False)
    print("open loop:      ", open_loop.summary())
    t = closed.timings
    print(f"time: plan {t.plan:.3f} s, checks {t.check:.3f} s, skills {t.skill:.3f} s, "
          f"total {t.total:.3f} s")


if __name__ == "__main__":
    main()
