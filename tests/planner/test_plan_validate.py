"""validate() against unified-planning's PlanValidator on valid and corrupted plans."""
import itertools
import random

import pytest

from planner_oracle import DATA, ROOT
from vlaplan.planner import GroundAction, Plan, load_domain, load_problem, solve, validate

up = pytest.importorskip("unified_planning.shortcuts")  # a dev dependency (pyproject [dev])

# unified-planning's PDDL reader has no `either`, so logistics is checked by other tests.
CASES = [
    (DATA / "briefcase_domain.pddl", DATA / "briefcase_p1.pddl"),
    (DATA / "briefcase_domain.pddl", DATA / "briefcase_p2.pddl"),
    (DATA / "switches_domain.pddl", DATA / "switches_p1.pddl"),
    (DATA / "roads_domain.pddl", DATA / "roads_p1.pddl"),
    (DATA / "gripper_domain.pddl", DATA / "gripper_p1.pddl"),
    (ROOT / "domains/tabletop/domain.pddl", ROOT / "domains/tabletop/problems/tower10.pddl"),
    (ROOT / "domains/kitchen/domain.pddl", ROOT / "domains/kitchen/problems/swap.pddl"),
    (ROOT / "domains/sorting/domain.pddl", ROOT / "domains/sorting/problems/two_bins.pddl"),
]


@pytest.fixture(scope="module")
def up_env():
    from unified_planning.engines import ValidationResultStatus
    from unified_planning.io import PDDLReader
    from unified_planning.plans import ActionInstance, SequentialPlan

    up.get_environment().credits_stream = None
    up.get_environment().error_used_name = False  # kitchen: action and predicate "open"
    return PDDLReader, ActionInstance, SequentialPlan, ValidationResultStatus


def _up_problem(reader_cls, domain_path, problem_path):
    problem = reader_cls().parse_problem(str(domain_path), str(problem_path))
    known = {str(k) for k in problem.explicit_initial_values}
    for fluent in problem.fluents:  # UP wants every numeric fluent defined; PDDL defaults 0
        if fluent.type.is_bool_type():
            continue
        domains = [list(problem.objects(p.type)) for p in fluent.signature]
        for combo in itertools.product(*domains):
            if str(fluent(*combo)) not in known:
                problem.set_initial_value(fluent(*combo), 0)
    return problem


def _corruptions(steps, names, objects, rng):
    """Corrupted variants of a plan: dropped, swapped, duplicated, renamed steps."""
    out = []
    n = len(steps)
    for _ in range(3):
        i = rng.randrange(n)
        out.append(steps[:i] + steps[i + 1:])                                  # drop
        j = rng.randrange(n)
        swapped = list(steps)
        swapped[i], swapped[j] = swapped[j], swapped[i]
        out.append(swapped)                                                    # swap
        out.append(steps[:i + 1] + [steps[i]] + steps[i + 1:])                # duplicate
        name, args = steps[i]
        same_arity = [m for m, k in names.items() if k == len(args) and m != name]
        if same_arity:
            out.append(steps[:i] + [(rng.choice(same_arity), args)] + steps[i + 1:])  # rename
        if args:
            k = rng.randrange(len(args))
            new_args = args[:k] + (rng.choice(objects),) + args[k + 1:]
            out.append(steps[:i] + [(name, new_args)] + steps[i + 1:])        # other object
    out.append(steps[:-1])                                                     # truncated
    return out


def _cross_check(domain_path, problem_path, up_env) -> int:
    """Compare verdicts on valid and corrupted plans; returns how many UP judged."""
    reader_cls, action_instance, sequential_plan, status = up_env
    up_problem = _up_problem(reader_cls, domain_path, problem_path)
    domain = load_domain(domain_path)
    problem = load_problem(problem_path, domain)
    plans = []
    for search in ("gbfs-ff", "wastar", "astar"):
        if search == "astar" and len(problem.objects) > 8:
            continue
        result = solve(domain, problem, search)
        plans.append([(a.name, a.args) for a in result.plan])
    rng = random.Random(str(problem_path.name))
    names = {a.name: len(a.params) for a in domain.actions.values()}
    objects = sorted({**problem.objects, **domain.constants})
    candidates = plans + [c for p in plans for c in _corruptions(p, names, objects, rng)]
    compared = valid = 0
    for steps in candidates:
        ours = validate(domain, problem, [GroundAction(n, a) for n, a in steps])
        try:
            up_plan = sequential_plan([action_instance(up_problem.action(n),
                                                       [up_problem.object(x) for x in a])
                                       for n, a in steps])
        except Exception:  # UP refuses to build it (e.g. an argument of the wrong type)
            assert ours, f"UP cannot even build {steps}, but validate accepted it"
            continue
        with up.PlanValidator(problem_kind=up_problem.kind) as validator:
            verdict = validator.validate(up_problem, up_plan).status
        assert (verdict == status.VALID) == (not ours), (steps, ours, verdict)
        compared += 1
        valid += not ours
    assert valid >= 1 and compared - valid >= 5
    return compared


def test_validate_agrees_with_unified_planning_on_100_plus_plans(up_env):
    compared = sum(_cross_check(d, p, up_env) for d, p in CASES)
    assert compared >= 100


def test_violation_messages():
    domain = load_domain(DATA / "gripper_domain.pddl")
    problem = load_problem(DATA / "gripper_p1.pddl", domain)
    plan = solve(domain, problem).plan
    steps = [str(a) for a in plan]
    assert validate(domain, problem, steps) == []
    assert validate(domain, problem, plan.to_ipc()) == []
    assert "goal not satisfied" in validate(domain, problem, steps[:-1])[0]
    assert "no action 'fly'" in validate(domain, problem, ["(fly rooma)"])[0]
    assert "takes 2 arguments" in validate(domain, problem, ["(move rooma)"])[0]
    assert "unknown object 'attic'" in validate(domain, problem, ["(move rooma attic)"])[0]
    bad = validate(domain, problem, ["(drop ball1 rooma left)"])
    assert bad == ["step 1 (drop ball1 rooma left): precondition not satisfied: "
                   "(carry ball1 left)"]
    wrong_cost = plan.to_ipc().replace(f"cost = {len(plan)}", f"cost = {len(plan) + 3}")
    assert any("stated cost" in v for v in validate(domain, problem, wrong_cost))
    assert validate(domain, problem, Plan(list(plan), len(plan) + 1)) == [
        f"stated cost {len(plan) + 1} differs from the actual cost {len(plan)}"]


def test_type_violations_are_reported():
    domain = load_domain(DATA / "logistics_domain.pddl")
    problem = load_problem(DATA / "logistics_p2.pddl", domain)
    # a truck cannot fly (fly-airplane wants an airplane), a city is not a place
    assert "not a airplane" in validate(domain, problem, ["(fly-airplane t1 a1 a1)"])[0]
    assert "not a place" in validate(domain, problem, ["(load pk1 t1 c1)"])[0]
