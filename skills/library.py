"""The built-in skills and their prompt templates (several paraphrases each).

The last template of each skill is a held-out paraphrase: never used to make
training prompts, used in evaluation to measure generalisation to new phrasings.
"""
from __future__ import annotations

from vlaplan.skills.contract import Skill, SkillRegistry

BUILTIN_SKILLS: tuple[Skill, ...] = (
    Skill("pick", "pick", (
        "pick up the {0}", "grasp the {0}", "lift the {0}", "take the {0} off the table",
        "grab the {0} and raise it"), step_budget=120),
    Skill("place", "place", (
        "put the {0} down on the table", "place the {0} on the table", "set the {0} down",
        "lower the {0} onto the table surface"), step_budget=120),
    Skill("stack", "stack", (
        "stack the {0} on the {1}", "put the {0} on top of the {1}", "place the {0} onto the {1}",
        "set the {0} down on the {1}"), step_budget=120),
    Skill("unstack", "unstack", (
        "unstack the {0} from the {1}", "take the {0} off the {1}", "lift the {0} from the {1}",
        "remove the {0} from on top of the {1}"), step_budget=120),
    Skill("open", "open", (
        "open the {0}", "pull the {0} open", "slide the {0} out", "pull out the {0}"),
        step_budget=160),
    Skill("close", "close", (
        "close the {0}", "push the {0} shut", "slide the {0} closed", "shut the {0}"),
        step_budget=160),
    Skill("put-in", "put-in", (
        "put the {0} in the {1}", "place the {0} into the {1}", "drop the {0} into the {1}",
        "put the {0} away in the {1}"), step_budget=140),
    Skill("take-out", "take-out", (
        "take the {0} out of the {1}", "remove the {0} from the {1}", "get the {0} out of the {1}",
        "lift the {0} out of the {1}"), step_budget=140),
)


def builtin_registry() -> SkillRegistry:
    registry = SkillRegistry()
    for skill in BUILTIN_SKILLS:
        registry.register(skill)
    return registry
