"""The three rules that turn a failed or refused step into a ban (executor.bans).

* **Failed and changed nothing.** A skill that failed and left the observed atoms as
  they were is tried again from that state; after ``attempts`` such failures the action
  is banned while the state lasts, blaming the objects crowding its arguments
  (executor.crowding), so that a plan may move them first.
* **Refused by the twin.** An action the twin's check refused (for any reason but a false
  precondition) is banned while the reason holds; an ``UNSTABLE`` one over a support
  resting askew only until a plan has set that support down again (executor.seating).
* **Missed where it stands.** A failure that changed the world while the action's
  destinations stayed put counts as a miss; after ``relocation.MISSES`` of them a plan
  must move a destination first (executor.relocation).

:class:`FailureRules` holds the counts of the first and third rule for one run.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from vlaplan.executor.bans import Bans
from vlaplan.executor.crowding import crowding
from vlaplan.executor.planning import literal_text
from vlaplan.executor.regrasp import REASON as REGRASP
from vlaplan.executor.relocation import Misses
from vlaplan.executor.seating import askew_support
from vlaplan.world_model.predicates import held

# Refusals about where things end up (the look-ahead's verdicts, and a stack of an object
# held off centre, executor.regrasp): how the held object is held decides them, so their
# bans also cover the grasp (``Bans.add``'s ``grasp``).
OUTCOME_REFUSALS = frozenset({"EFFECT_MISMATCH", "UNSTABLE", REGRASP})


class FailureRules:
    """Bans drawn from one run's failures, into ``bans``."""

    def __init__(self, bans: Bans, runtime: Any, attempts: int) -> None:
        self.bans, self.runtime, self.attempts = bans, runtime, attempts
        self._unchanged: dict[tuple[Any, frozenset], int] = {}
        self._misses = Misses()

    def unchanged(self, action: Any, state: frozenset, objects: Mapping[str, Any],
                  movable: list[str]) -> int:
        """``action`` failed and the atoms are still ``state``: how many times it has now
        failed from that state; at ``attempts`` it is banned while the state lasts."""
        tried = ((action.name, tuple(action.args)), state)
        count = self._unchanged[tried] = self._unchanged.get(tried, 0) + 1
        if count >= self.attempts:
            crowd = crowding(objects, action.args, movable)
            hand = [a for a in action.args if a in objects and held(objects[a])]
            why = f"failed {self.attempts} times from this state" + (
                f", crowded by {', '.join(crowd)}" if crowd else "") + (
                f", with {', '.join(hand)} in the hand" if hand else "")
            locates = self.runtime.locator

            def places(atom: Any) -> set[str]:
                # the objects whose place the atom says: a lexicon slot (any argument when
                # the lexicon has none), or a held argument's grasp, so that setting it
                # down and grasping it again lifts the ban
                where = set(locates(atom)) if locates else set(atom[1])
                return where | (set(atom[1]) & set(hand) if atom[0] == "holding" else set())

            self.bans.add(action, why, state, (crowd + hand) or None, grasp=bool(hand),
                          moved=places)
        return count

    def tries(self, action: Any, state: frozenset) -> int:
        """How often ``action`` has failed from ``state`` without changing it."""
        return self._unchanged.get(((action.name, tuple(action.args)), state), 0)

    def missed(self, action: Any, spots: Mapping[str, np.ndarray], atoms: frozenset,
               movable: list[str]) -> None:
        """``action`` failed, changing the world, with its destinations at ``spots``: from
        the :data:`relocation.MISSES`-th such failure on, a plan must move them first."""
        ban = self._misses.ban((action.name, tuple(action.args)), spots, atoms, movable,
                               self.runtime.locates)
        if ban is not None:
            self.bans.add(action, ban[0], atoms, scope=ban[1])

    def refused(self, action: Any, verdict: Any, objects: Mapping[str, Any],
                atoms: frozenset) -> None:
        """The twin refused ``action`` with ``verdict`` (a CheckRecord)."""
        askew, locates = None, self.runtime.locator
        if verdict.reason == "UNSTABLE" and locates:
            askew = askew_support(action, objects, atoms, locates)
        why = f"the twin: {verdict.reason}" + (
            f", resting askew: {literal_text(askew)}" if askew else "")
        self.bans.add(action, why, atoms, verdict.objects,
                      grasp=verdict.reason in OUTCOME_REFUSALS,
                      scope=None if askew is None else [askew])
