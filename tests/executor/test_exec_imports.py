"""`import vlaplan` and `import vlaplan.executor` stay light: no torch, no pybullet."""
from __future__ import annotations

import subprocess
import sys

HEAVY = ("torch", "pybullet", "transformers")


def _loaded_after(code: str) -> set[str]:
    probe = code + "\nimport sys\nprint(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_public_face_is_light() -> None:
    loaded = _loaded_after("import vlaplan, vlaplan.executor\nvlaplan.ExecutionResult\n"
                           "import vlaplan.executor.loop, vlaplan.executor.cli")
    assert not loaded & set(HEAVY), loaded & set(HEAVY)


def test_public_names() -> None:
    import vlaplan

    assert callable(vlaplan.execute)
    assert vlaplan.Executor.__name__ == "Executor"
    assert vlaplan.ExecutionResult.__name__ == "ExecutionResult"
    assert vlaplan.__version__
