"""Performance benchmarks (not timed tests); run the scripts in this folder."""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


NO_MATPLOTLIB = "matplotlib is not installed (pip install -e '.[bench]'): no plot written"


def pyplot() -> Any | None:
    """``matplotlib.pyplot`` on the file-only Agg backend; None without matplotlib."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    return plt


def save_figure(fig: Any, out: Path) -> str:
    """Write ``fig`` to ``out`` (making its folder) and close it; returns the message."""
    import matplotlib.pyplot as plt

    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return f"plot written to {out}"


def write_json(path: str | Path, args: argparse.Namespace, **parts: Any) -> None:
    """One benchmark's results as JSON: the command's arguments, then ``parts``."""
    Path(path).write_text(json.dumps({"args": vars(args), **parts}, indent=1))


#: The executor's switches that are on by default for learned policies, each with what it
#: does; the benchmarks turn any of them off (``--NAME off``) for its ablation.
LEARNED_SWITCHES = {
    "release_guard": "holds back a learned stack's release until the block is over its "
                     "destination",
    "aim_held": "shows the policy the held object's centre as its hand's x, y",
    "approach": "starts a learned skill over the block it acts on",
    "spread_places": "starts a learned set-down on the table over the most open table near "
                     "the ready pose",
}


def add_learned_switches(ap: argparse.ArgumentParser, who: str = "Executor") -> None:
    """``--release-guard``, ``--aim-held``, ``--approach``, ``--spread-places``: auto or off."""
    for name, what in LEARNED_SWITCHES.items():
        ap.add_argument("--" + name.replace("_", "-"), choices=("auto", "off"), default="auto",
                        help=f"{who}({name}=...): auto (default) {what}; off is the ablation")


def learned_options(args: argparse.Namespace) -> dict[str, Any]:
    """The ``Executor`` keyword arguments of the switches turned off in ``args``."""
    return {name: False for name in LEARNED_SWITCHES if getattr(args, name) == "off"}
