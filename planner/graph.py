"""Causal-link graphs of plans: which step supports which precondition.

:func:`plan_graph` returns a :class:`networkx.DiGraph` with nodes ``"init"``, ``"s1"`` ...
``"sN"`` (the steps, attribute ``action`` = ``"(pick a)"``) and ``"goal"``.  An edge
``u -> v`` carries ``atoms``: the facts ``u`` produces that ``v`` needs (the latest
achiever before ``v``; ``init`` when nothing in the plan added them).  Its transitive
closure is a valid partial order for the supported facts.  With the domain given, states
are closed under its derived predicates: a derived atom is credited to the step after
which it first held (the step that made its rules fire), and a derived goal is judged on
the closed final state.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from vlaplan.planner.atoms import Atom
from vlaplan.planner.formulas import And, Pred, holds
from vlaplan.planner.model import Domain, Problem, objects_by_type
from vlaplan.planner.task import GroundAction


def _goal_atoms(problem: Problem, final: frozenset[Atom]) -> list[Atom]:
    parts = problem.goal.parts if isinstance(problem.goal, And) else (problem.goal,)
    out = []
    for p in parts:
        if isinstance(p, Pred) and not any(a.startswith("?") for a in p.args):
            atom = Atom(p.predicate, p.args)
            if atom in final:
                out.append(atom)
    return out


def plan_graph(plan: Iterable[GroundAction], problem: Problem | None = None,
               domain: Domain | None = None) -> Any:
    """The causal-link DiGraph of ``plan`` (a Plan or a list of GroundActions).

    Without ``problem``, preconditions no earlier step produced are credited to ``init``
    and the goal node has no atom links (only an edge from the last step).  ``domain``
    (with ``problem``) closes every state under the domain's derived predicates.
    """
    import networkx as nx

    from vlaplan.planner.derived import closure

    steps = list(plan)
    graph = nx.DiGraph()
    graph.add_node("init", label="init", index=0)
    if domain is not None and domain.derived and problem is not None:
        objects_of = objects_by_type(domain, problem)

        def close(atoms: frozenset[Atom]) -> frozenset[Atom]:
            return closure(domain, atoms, objects_of)
    else:
        def close(atoms: frozenset[Atom]) -> frozenset[Atom]:
            return atoms
    state = close(frozenset(problem.init if problem is not None else ()))
    producer: dict[Atom, str] = {a: "init" for a in state}

    def link(source: str, target: str, atom: Atom) -> None:
        if graph.has_edge(source, target):
            graph[source][target]["atoms"].append(str(atom))
        else:
            graph.add_edge(source, target, atoms=[str(atom)])

    for i, action in enumerate(steps, start=1):
        node = f"s{i}"
        graph.add_node(node, label=str(action), action=str(action), index=i)
        needs = set(action.pre)
        for ce in action.conditional:
            if ce.pre <= state and not (ce.pre_neg & state):
                needs |= ce.pre
        for atom in sorted(needs):
            link(producer.get(atom, "init"), node, atom)
        after = close(action.apply(state))
        added = set(action.add) | (after - state)  # what it adds, and what that derives
        for ce in action.conditional:
            if ce.pre <= state and not (ce.pre_neg & state):
                added |= ce.add
        for atom in added:
            producer[atom] = node
        for atom in state - after:
            producer.pop(atom, None)
        state = after
    graph.add_node("goal", label="goal", index=len(steps) + 1)
    if problem is not None:
        for atom in sorted(_goal_atoms(problem, state)):
            link(producer.get(atom, "init"), "goal", atom)
    if not graph.in_degree("goal") and steps:
        graph.add_edge(f"s{len(steps)}", "goal", atoms=[])
    reached = None
    if problem is not None and _ground(problem):
        reached = holds(problem.goal, state, {})
    graph.graph["goal_reached"] = reached
    return graph


def _ground(problem: Problem) -> bool:
    from vlaplan.planner.formulas import Exists, Forall, walk

    return not any(isinstance(n, (Forall, Exists)) for n in walk(problem.goal))


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_dot(graph: Any) -> str:
    """Graphviz DOT text of a plan graph."""
    lines = ["digraph plan {", "  rankdir=LR;", "  node [shape=box, fontname=monospace];"]
    for node, data in sorted(graph.nodes(data=True), key=lambda nd: nd[1].get("index", 0)):
        shape = ", shape=ellipse" if node in ("init", "goal") else ""
        lines.append(f"  {_quote(node)} [label={_quote(data.get('label', node))}{shape}];")
    for u, v, data in graph.edges(data=True):
        lines.append(f"  {_quote(u)} -> {_quote(v)} [label={_quote(' '.join(data['atoms']))}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_json(graph: Any) -> dict[str, Any]:
    """A JSON-serialisable dict ``{"nodes": [...], "edges": [...]}`` of a plan graph."""
    nodes = [{"id": n, "label": d.get("label", n), "index": d.get("index", 0)}
             for n, d in sorted(graph.nodes(data=True), key=lambda nd: nd[1].get("index", 0))]
    edges = [{"source": u, "target": v, "atoms": list(d["atoms"])}
             for u, v, d in graph.edges(data=True)]
    return {"nodes": nodes, "edges": edges, "goal_reached": graph.graph.get("goal_reached")}
