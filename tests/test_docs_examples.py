"""The documentation's examples run: every ```python block of the README and docs/ (``py``
fences mark fragments that need context), each in a fresh interpreter from the root."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def blocks() -> list[tuple[str, str]]:
    return [(f"{path.name}:{text[:m.start()].count(chr(10)) + 1}", m.group(1))
            for path in FILES for text in [path.read_text()] for m in FENCE.finditer(text)]


def test_the_docs_have_examples():
    assert len(blocks()) >= 4


@pytest.mark.parametrize("where,code", blocks(), ids=[w for w, _ in blocks()])
def test_example_runs(where, code):
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, f"{where}:\n{out.stderr[-2000:]}"


def test_library_use_example_runs():
    out = subprocess.run([sys.executable, "examples/library_use.py"], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "with replanning: success" in out.stdout and "open loop:" in out.stdout
