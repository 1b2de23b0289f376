"""The ground actions a run has ruled out, and what each ruling is scoped to.

A ban is taken when the twin refuses an action or the action failed ``attempts`` times
from one state.  It holds only while the world stays as it was for that action: it is
scoped to some atoms (see :meth:`Bans.add`), and a plan may use the action again once it
deletes one of them (``vlaplan.executor.planning.forbid`` compiles the scopes into the
planning domain).  The tables are keyed by ``(action name, args)``.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from vlaplan.executor.relocation import REASON
from vlaplan.planner.atoms import Atom

Key = tuple[str, tuple[str, ...]]


def _atoms(items: Iterable[Any]) -> set[Atom]:
    return {Atom(a[0], tuple(a[1])) for a in items}


class Bans:
    """``seen``: the atoms observed when each ban was taken; ``why``: its reason;
    ``scope``: the atoms it is scoped to; ``moved``: scope atoms the world has deleted since."""

    def __init__(self) -> None:
        self.seen: dict[Key, frozenset] = {}
        self.why: dict[Key, str] = {}
        self.scope: dict[Key, frozenset] = {}
        self.moved: dict[Key, set] = {}

    def __bool__(self) -> bool:
        return bool(self.seen)

    def add(self, action: Any, why: str, atoms: frozenset, blame: list[str] | None = None,
            grasp: bool = False, moved: Callable[[Atom], set[str]] | None = None,
            scope: Iterable[Atom] | None = None) -> None:
        """Rule ``action`` out while the world stays as ``atoms`` say it is.

        The ban is scoped to the action's prevail conditions: preconditions that hold now
        and that the action does not delete itself (``(open drawer)`` for a put-in, not
        the ``(holding x)`` it consumes), those about the ``blame``d objects when there are
        any (when the action consumes every precondition: each observed atom about them
        that it does not consume, and with ``grasp`` how they are held), less those a plan
        already changed since an earlier ban of it (that detour did not help).  A plan may
        use the action again after deleting one of them; with none left, the ban is outright.
        With ``moved`` (atom -> the objects whose place it says, e.g. from the lexicon's
        slots), the blamed objects must be moved: only atoms placing them count (a crowding
        neighbour with a block stacked on it still crowds).  An explicit ``scope`` (atoms
        that hold now) replaces all of that: the cause is known (an askew support, see
        ``executor.seating``) and only changing it helps.
        """
        key = (action.name, tuple(action.args))
        facts = _atoms(atoms)
        consumed = _atoms(getattr(action, "delete", ()))
        prevail = (_atoms(getattr(action, "pre", ())) & facts) - consumed
        blamed = {a for a in prevail if set(a[1]) & set(blame or ())}
        if blame and not prevail:
            # The action consumes every precondition (a pick, a stack): scope to what is
            # observed of the blamed objects instead, so a plan that moves one of them (a
            # neighbour set down too close, a block left askew) may try the action again.
            # With ``grasp`` (the look-ahead predicted where things end up), how a blamed
            # object is held counts too (a block pinched off centre does not land on the
            # tower): a plan that sets it down and grasps it again may retry.
            blamed = {a for a in facts if set(a[1]) & set(blame)
                      and (a not in consumed or (grasp and a[0] == "holding"))}
        if blame and moved is not None:
            blamed = {a for a in blamed if moved(a) & set(blame)}
        if scope is not None:
            blamed = _atoms(scope) & facts
        self.seen[key] = atoms
        self.why[key] = why
        self.scope[key] = frozenset((blamed or prevail) - self.moved.get(key, set()))
        self.moved[key] = set()

    def lift(self, key: Key) -> None:
        """Forget a ban (the world moved on, or the twin now accepts the action)."""
        for table in (self.seen, self.why, self.scope):
            table.pop(key, None)

    def observe(self, atoms: frozenset) -> None:
        """Note the scope atoms that ``atoms`` (a new observation) no longer holds."""
        for key, scope in self.scope.items():
            self.moved.setdefault(key, set()).update(scope - atoms)

    def stale(self, atoms: frozenset) -> list[Key]:
        """Bans taken in another state than ``atoms``."""
        return [k for k, seen in self.seen.items() if seen != atoms]

    def by_twin(self) -> list[Key]:
        """Bans that are the twin's refusals (not repeated failures)."""
        return self._reasoned("the twin")

    def advisory(self) -> list[Key]:
        """Bans that are advice, not verdicts: destinations to move first
        (executor.relocation); a planner that cannot honour them is asked without them."""
        return self._reasoned(REASON)

    def _reasoned(self, prefix: str) -> list[Key]:
        return [k for k, why in self.why.items() if why.startswith(prefix)]

    def explain(self) -> list[str]:
        """``(pick a): why; until a plan changes (on-table b) ...`` per ban, in order."""
        out = []
        for key in sorted(self.seen):
            scope = " ".join(sorted(f"({a[0]} {' '.join(a[1])})".replace(" )", ")")
                                    for a in self.scope.get(key, ())))
            out.append(f"{call_text(key)}: {self.why.get(key, '')}"
                       + (f"; until a plan changes {scope}" if scope else "; outright"))
        return out

    def describe(self) -> str:
        """``(pick a) (why), ...`` for a failure message ("" with no ban)."""
        return ", ".join(f"{call_text(k)} ({self.why.get(k, '')})" for k in sorted(self.seen))


def call_text(key: Key) -> str:
    return "(" + " ".join((key[0], *key[1])) + ")"
