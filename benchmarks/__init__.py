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
