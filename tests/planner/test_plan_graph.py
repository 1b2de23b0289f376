"""Causal-link plan graphs and their DOT / JSON export."""
import json

import networkx as nx

from planner_oracle import ROOT, load
from vlaplan.planner import load_domain, load_problem, plan_graph, solve, to_dot, to_json


def _tower3():
    domain = load_domain(ROOT / "domains/tabletop/domain.pddl")
    problem = load_problem(ROOT / "domains/tabletop/problems/tower3.pddl", domain)
    return problem, solve(domain, problem).plan


def test_causal_links_of_a_tower():
    problem, plan = _tower3()
    g = plan_graph(plan, problem)
    assert isinstance(g, nx.DiGraph) and nx.is_directed_acyclic_graph(g)
    assert set(g.nodes) == {"init", "goal"} | {f"s{i}" for i in range(1, len(plan) + 1)}
    assert [g.nodes[f"s{i}"]["action"] for i in range(1, len(plan) + 1)] == plan.steps()
    # every precondition of every step is supported by exactly one incoming link
    for i, action in enumerate(plan, start=1):
        supported = [a for _, _, d in g.in_edges(f"s{i}", data=True) for a in d["atoms"]]
        assert sorted(supported) == sorted(str(p) for p in action.pre)
    # each step's link comes from a step that adds the atom, or from init
    for u, v, d in g.edges(data=True):
        if u.startswith("s"):
            adder = plan[int(u[1:]) - 1]
            assert all(any(str(x) == atom for x in adder.add) for atom in d["atoms"])
    goal_atoms = sorted(a for _, _, d in g.in_edges("goal", data=True) for a in d["atoms"])
    assert goal_atoms == sorted(str(p) for p in problem.goal.parts)
    # the last stack supports the goal atom it achieved
    last = f"s{len(plan)}"
    assert "(on red_1 green_1)" in g.edges[last, "goal"]["atoms"]


def test_conditional_effects_are_followed():
    domain, problem = load("briefcase_domain.pddl", "briefcase_p1.pddl")
    plan = solve(domain, problem).plan
    g = plan_graph(plan, problem)
    # (at paycheck bank) is produced by a move's conditional effect and supports the goal
    producers = [u for u, _, d in g.in_edges("goal", data=True) if "(at paycheck bank)" in d["atoms"]]
    assert len(producers) == 1 and g.nodes[producers[0]]["action"].startswith("(move")


def test_dot_and_json_export():
    problem, plan = _tower3()
    g = plan_graph(plan, problem)
    dot = to_dot(g)
    assert dot.startswith("digraph plan {") and dot.rstrip().endswith("}")
    assert dot.count("->") == g.number_of_edges()
    assert '"s1" [label="' + plan.steps()[0] + '"]' in dot
    data = to_json(g)
    again = json.loads(json.dumps(data))
    assert [n["id"] for n in again["nodes"]][0] == "init" and again["nodes"][-1]["id"] == "goal"
    assert len(again["edges"]) == g.number_of_edges()
    assert all(set(e) == {"source", "target", "atoms"} for e in again["edges"])
    assert again["goal_reached"] is True


def test_graph_without_a_problem_credits_init():
    problem, plan = _tower3()
    g = plan_graph(plan)
    assert g.number_of_nodes() == len(plan) + 2 and nx.is_directed_acyclic_graph(g)
    assert "(holding green_1)" in g.edges["s1", "s2"]["atoms"]
    assert "(clear green_1)" in g.edges["init", "s1"]["atoms"]
    assert g.has_edge(f"s{len(plan)}", "goal") and g.graph["goal_reached"] is None


def test_derived_atoms_are_credited_to_the_step_that_made_them_hold():
    domain, problem = load("derived_blocks_domain.pddl", "derived_blocks_p1.pddl")
    plan = solve(domain, problem).plan
    g = plan_graph(plan, problem, domain)
    assert g.graph["goal_reached"] is True  # (above a b) (above b c) hold only derived
    goal_links = {a: u for u, _, d in g.in_edges("goal", data=True) for a in d["atoms"]}
    assert set(goal_links) == {"(above a b)", "(above b c)"}
    assert len(plan) == 6  # optimal: b onto c, d off a, a onto b
    for atom, node in goal_links.items():  # the stack that made each one hold
        x, y = atom.strip("()").split()[1:]
        assert g.nodes[node]["action"] == f"(stack {x} {y})"
    # (free b), derived, held from the start and was never lost: credited to init
    assert "(free b)" in g.edges["init", f"s{plan.steps().index('(stack a b)') + 1}"]["atoms"]
    # without the domain the derived goal atoms look unreached
    assert plan_graph(plan, problem).graph["goal_reached"] is False
