"""search="auto": the executor's plans are the shortest when A* finds them within its node
budget, and greedy ones otherwise; the benchmark tasks stay sized by greedy plans."""
from __future__ import annotations

import pytest

import vlaplan.executor.planning as planning
from vlaplan.executor import Executor
from vlaplan.executor.planning import make_problem, plan_with
from vlaplan.executor.tasks import TASK_SEARCH, first_plan, long_task_with_plan
from vlaplan.planner.errors import ExecutionError
from vlaplan.planner.instruction import parse_instruction


@pytest.fixture(scope="module")
def task():
    ex = Executor("tabletop", "scripted", scene_options={"n_objects": 7})
    # seed 7: the greedy plan of this ten-action task has two actions more than needed
    text, plan = long_task_with_plan(ex, 7, 10)
    robot, objects = ex._prepare(7)
    atoms = ex.runtime.abstract(robot.observe())
    goal = parse_instruction(text, objects, ex.runtime.lexicon, atoms)
    types = ex.runtime.object_types(objects)
    return ex, text, plan, goal, atoms, types


def test_auto_plans_are_the_shortest_and_tasks_keep_their_greedy_size(task) -> None:
    ex, text, plan, goal, atoms, types = task
    greedy = first_plan(ex, goal, atoms, types, TASK_SEARCH)
    optimal = first_plan(ex, goal, atoms, types, "astar")
    assert len(greedy) == 10 and len(optimal) == 8
    assert ex.search == "auto" and len(plan) == 8   # the plan returned is the executor's


def test_auto_falls_back_to_greedy_past_its_node_budget(task, monkeypatch) -> None:
    ex, _, _, goal, atoms, types = task
    problem = make_problem(ex.runtime.pddl, types, atoms, list(goal.checkpoints[-1]))
    res = plan_with("auto", ex.runtime.pddl, problem, 10.0)
    assert res.solved and res.stats["search"] == "astar"
    monkeypatch.setattr(planning, "OPTIMAL_NODES", 2)
    res = plan_with("auto", ex.runtime.pddl, problem, 10.0)
    assert res.solved and res.stats["search"] == "gbfs-ff" and len(res.plan) == 10


def test_unknown_search_is_refused() -> None:
    with pytest.raises(ExecutionError, match="unknown search 'fast'"):
        Executor("tabletop", "scripted", search="fast")
