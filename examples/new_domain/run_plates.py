"""Register the example "plates" domain from outside the package and run it end to end.

    .venv/bin/python examples/new_domain/run_plates.py            # scripted skills
    .venv/bin/python examples/new_domain/run_plates.py --seed 3

The one registry line maps a domain name to an importable module that defines ``DOMAIN``.
After it, ``vlaplan.execute(..., domain="plates")`` and the executor's tools work on it.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # makes `plates` importable

import vlaplan  # noqa: E402
from vlaplan.domains import REGISTRY  # noqa: E402

REGISTRY["plates"] = "plates"  # the one registry line


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--policy", default="scripted")
    args = ap.parse_args()
    ex = vlaplan.Executor("plates", args.policy)
    objects, _ = ex.scene(seed=args.seed)
    cubes = [o for o in objects if o.type == "cube"]
    plates = [o for o in objects if o.type == "plate"]
    text = (f"put the {cubes[0].colour} cube on the {plates[0].colour} plate, then put the "
            f"{cubes[1].colour} cube on the {plates[1].colour} plate")
    result = ex.run(text, seed=args.seed)
    print(text)
    for step in result.steps:
        print(f"  {step.call:30s} {step.outcome.value:10s} {step.prompt!r}")
    print(result.summary())
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main())
