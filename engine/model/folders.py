"""Policy folders: which ``<id>/<version>.yaml`` files a folder (or several
given together) holds, and how their files are named in messages."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Sequence

from engine.base.resources import policies_dir
from engine.errors import InputError, PolicyError, UsageError

__all__ = ["BUNDLED", "PolicyPaths", "display_path", "merged_policy_files", "own_file",
           "policy_files", "policy_roots"]


def policy_files(root: Path) -> dict[str, dict[str, Path]]:
    """``{policy id: {version: file}}`` under a policies folder; a folder
    that cannot be listed is an error, not a folder without policies."""
    found: dict[str, dict[str, Path]] = {}
    for folder in _listing(root):
        if not folder.is_dir():
            continue
        for file in _listing(folder):
            if file.suffix == ".yaml" and re.fullmatch(r"[0-9]+\.[0-9]+\.[0-9]+", file.stem):
                found.setdefault(folder.name, {})[file.stem] = file
    return found


def _listing(folder: Path) -> list[Path]:
    """The visible entries of ``folder``, sorted."""
    try:
        return sorted(p for p in folder.iterdir() if not p.name.startswith("."))
    except OSError as err:
        raise InputError(f"cannot read this folder: {err.strerror or err}", code="RULES-E051",
                         file=str(folder), hint="you may not list this folder: check its permissions"
                         if isinstance(err, PermissionError) else None) from None


def display_path(path: Path, root: Path) -> str:
    """How a policy file is named in messages: relative to the current
    folder, or ``policies/…`` for a bundled one."""
    try:
        rel = path.resolve().relative_to(Path.cwd().resolve())
        return str(rel)
    except ValueError:
        if root.resolve() == policies_dir().resolve():
            return f"policies/{path.relative_to(root)}"
        return str(path)


#: The name of the bundled policies folder where a list of folders is given
#: (``--policies :bundled --policies mine/``).
BUNDLED = ":bundled"

PolicyPaths = str | Path | Sequence[str | Path] | None


def policy_roots(path: PolicyPaths) -> list[Path]:
    """The folders a ``load_policies`` path argument names, in order."""
    if path is None:
        return [policies_dir()]
    items = [path] if isinstance(path, (str, Path)) else list(path)
    if not items:
        return [policies_dir()]
    return [policies_dir() if str(p) == BUNDLED else Path(p) for p in items]


def merged_policy_files(roots: Sequence[Path]) -> dict[str, dict[str, tuple[Path, Path]]]:
    """``{policy id: {version: (file, its folder)}}`` over several folders;
    the same ``id@version`` in two folders is an error naming both files."""
    merged: dict[str, dict[str, tuple[Path, Path]]] = {}
    for root in roots:
        if not root.is_dir():
            raise InputError("no such policies folder", code="RULES-E051", file=str(root))
        for pid, versions in policy_files(root).items():
            for version, file in versions.items():
                earlier = merged.get(pid, {}).get(version)
                if earlier is not None:
                    raise PolicyError(f"{pid}@{version} is defined twice", code="RULES-E033",
                                      file=display_path(file, root),
                                      hint=f"also in {display_path(*earlier)}; each id@version "
                                           "may come from one folder only")
                merged.setdefault(pid, {})[version] = (file, root)
    if not merged and roots:  # (rather than "no source recommends anything")
        raise InputError("no policy files in this folder", code="RULES-E051", file=str(roots[0]),
                         hint="a policy file is <policy-id>/<version>.yaml, e.g. hayes/1.0.0.yaml")
    return merged


def own_file(roots: Sequence[Path], name: str) -> tuple[str, Path, bool] | None:
    """The first folder's own ``name`` (vocabulary or actions); a different
    one in a later folder is an error."""
    found: Path | None = None
    for root in roots:
        candidate = root / name
        if not candidate.is_file():
            continue
        if found is None:
            found = candidate
        elif candidate.read_bytes() != found.read_bytes():
            raise UsageError(f"two different {name} files: {found} and {candidate}",
                             hint="folders given together share one vocabulary and one action "
                                  "catalogue; keep it in the first folder only")
    return (str(found), found, True) if found is not None else None
