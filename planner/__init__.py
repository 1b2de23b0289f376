"""vlaplan.planner: PDDL in, plans out.

Load a domain and problem (our own PDDL reader; pddlpy's grammar as the reference and the
error path, see :mod:`vlaplan.planner.loader`), ground them by relaxed reachability,
search (greedy best-first with hFF, preferred operators and look-ahead by default;
weighted A*; optimal A* with LM-cut), validate plans and build causal graphs::

    from vlaplan.planner import load_domain, load_problem, solve, validate
    domain = load_domain("domains/tabletop/domain.pddl")
    problem = load_problem("domains/tabletop/problems/tower3.pddl", domain)
    result = solve(domain, problem)            # PlanResult: status, plan, stats
    print(result.plan.to_ipc())
    assert validate(domain, problem, result.plan) == []

Pure Python plus pddlpy and networkx; never imports torch, transformers or pybullet.
Names are resolved lazily, so ``import vlaplan.planner.errors`` stays cheap.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "Atom": "atoms", "State": "atoms",
    "VlaplanError": "errors", "PlannerError": "errors", "PDDLError": "errors",
    "PDDLSyntaxError": "errors", "PDDLSemanticError": "errors",
    "UnsupportedFeature": "errors", "UnknownObjectError": "errors",
    "InstructionNotUnderstood": "errors",
    "Pred": "formulas", "Eq": "formulas", "Not": "formulas", "And": "formulas", "Or": "formulas",
    "Imply": "formulas", "Forall": "formulas", "Exists": "formulas", "When": "formulas",
    "Increase": "formulas", "FunctionTerm": "formulas", "Parameter": "formulas",
    "Formula": "formulas", "conjunction": "formulas",
    "Domain": "model", "Problem": "model", "Action": "model", "PredicateDef": "model",
    "DerivedRule": "model",
    "load_domain": "loader", "load_problem": "loader", "parse_domain": "loader",
    "parse_problem": "loader",
    "GroundAction": "task", "ConditionalEffect": "task", "Task": "task",
    "ground": "grounding",
    "Plan": "plan", "PlanResult": "plan", "PlanStatus": "plan", "parse_plan_text": "plan",
    "solve": "solver", "SEARCHES": "solver",
    "validate": "validation",
    "plan_graph": "graph", "to_dot": "graph", "to_json": "graph",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'vlaplan.planner' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"vlaplan.planner.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from vlaplan.planner.atoms import Atom, State
    from vlaplan.planner.errors import (
        InstructionNotUnderstood, PDDLError, PDDLSemanticError, PDDLSyntaxError, PlannerError,
        UnknownObjectError, UnsupportedFeature, VlaplanError,
    )
    from vlaplan.planner.formulas import (
        And, Eq, Exists, Forall, Formula, FunctionTerm, Imply, Increase, Not, Or, Parameter, Pred,
        When, conjunction,
    )
    from vlaplan.planner.graph import plan_graph, to_dot, to_json
    from vlaplan.planner.grounding import ground
    from vlaplan.planner.loader import load_domain, load_problem, parse_domain, parse_problem
    from vlaplan.planner.model import Action, DerivedRule, Domain, PredicateDef, Problem
    from vlaplan.planner.plan import Plan, PlanResult, PlanStatus, parse_plan_text
    from vlaplan.planner.solver import SEARCHES, solve
    from vlaplan.planner.task import ConditionalEffect, GroundAction, Task
    from vlaplan.planner.validation import validate
