"""The bundled example logs and the moment each is meant to be read at (from
the `Try: … --at TIME` line in its header)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


def moment_of(path: Path) -> str:
    match = re.search(r"--at (\S+)", path.read_text("utf-8"))
    assert match, f"{path} has no 'Try: ... --at TIME' line"
    return match.group(1)
