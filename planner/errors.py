"""The vlaplan exception tree.

Every error vlaplan raises on purpose derives from :class:`VlaplanError`; each
package has one root below it::

    VlaplanError
    ├── PlannerError                  (vlaplan.planner)
    │   ├── PDDLError                 bad PDDL input: file, line, column, message
    │   │   ├── PDDLSyntaxError       the text does not parse
    │   │   └── PDDLSemanticError     it parses but is wrong (undefined type, arity, ...)
    │   ├── UnsupportedFeature        valid PDDL that vlaplan does not plan for
    │   ├── UnknownObjectError        a name that is not an object of the problem
    │   └── InstructionNotUnderstood  natural language that maps to no goal
    ├── WorldModelError               (vlaplan.world_model)
    ├── SkillError                    (vlaplan.skills)
    │   └── CheckpointError
    └── ExecutionError                (vlaplan.executor)

The planner defines the root because it depends on nothing else of ours.  Third-party
errors are caught at package boundaries and re-raised as one of these with the cause
attached (``raise ... from exc``).
"""
from __future__ import annotations

from collections.abc import Sequence


class VlaplanError(Exception):
    """Root of every error vlaplan raises on purpose."""


class PlannerError(VlaplanError):
    """Root of the planner's errors."""


class PDDLError(PlannerError):
    """Bad PDDL input, located in a file (or ``<string>``) at a line and column."""

    def __init__(self, message: str, file: str = "<string>", line: int | None = None,
                 column: int | None = None) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.message}"


class PDDLSyntaxError(PDDLError):
    """The PDDL text does not parse."""


class PDDLSemanticError(PDDLError):
    """The PDDL parses but is inconsistent (undefined names, wrong arity, duplicates...)."""


class UnsupportedFeature(PlannerError):
    """Valid PDDL using a feature vlaplan cannot plan for; names the feature."""

    def __init__(self, feature: str, where: str = "") -> None:
        self.feature = feature
        self.where = where
        super().__init__(f"unsupported PDDL feature {feature}" + (f" in {where}" if where else ""))


class UnknownObjectError(PlannerError):
    """A name that is not an object (or constant) of the problem."""

    def __init__(self, name: str, known: Sequence[str] = ()) -> None:
        self.name = name
        self.known = list(known)
        hint = f"; known objects: {', '.join(sorted(self.known))}" if self.known else ""
        super().__init__(f"unknown object {name!r}{hint}")


class InstructionNotUnderstood(PlannerError):
    """An instruction that cannot be turned into a goal, with the words at fault."""

    def __init__(self, instruction: str, reason: str, unknown_words: Sequence[str] = (),
                 suggestions: dict[str, list[str]] | None = None) -> None:
        self.instruction = instruction
        self.reason = reason
        self.unknown_words = list(unknown_words)
        self.suggestions = dict(suggestions or {})
        text = f"cannot understand {instruction!r}: {reason}"
        hints = [f"{w!r} -> did you mean {' or '.join(repr(s) for s in sugg)}?"
                 for w, sugg in self.suggestions.items() if sugg]
        if hints:
            text += " (" + "; ".join(hints) + ")"
        super().__init__(text)


class WorldModelError(VlaplanError):
    """Root of the world model's errors (scenes, simulator, checks)."""


class SkillError(VlaplanError):
    """Root of the skills' errors (policies, data, training)."""


class CheckpointError(SkillError):
    """A checkpoint that is missing, corrupt, or made for another action space."""


class ExecutionError(VlaplanError):
    """Root of the executor's errors."""
