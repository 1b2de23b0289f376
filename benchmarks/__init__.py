"""Performance benchmarks (not timed tests); run the scripts in this folder."""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def write_json(path: str | Path, args: argparse.Namespace, **parts: Any) -> None:
    """One benchmark's results as JSON: the command's arguments, then ``parts``."""
    Path(path).write_text(json.dumps({"args": vars(args), **parts}, indent=1))
