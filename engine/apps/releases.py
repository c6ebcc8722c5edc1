"""Released policy versions: a lock file of content hashes per ``id@version``.

``<policies folder>/versions.lock`` lists every released version with the
SHA-256 of its content (the file's data as canonical JSON, so comments and
layout — what ``rules fmt`` changes — do not count, and any change of meaning
does). ``rules bump`` locks the version it starts from, ``rules lock`` locks
every version not yet locked, and ``rules check`` fails when a locked file was
changed or removed, naming the version to bump to.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.errors import InputError, PolicyError, RulesError
from engine.input.documents import load_document
from engine.model.folders import display_path, policy_files
from engine.model.policies import parse_version

__all__ = ["LOCK_NAME", "Lock", "content_hash", "read_lock", "write_lock", "verify_lock",
           "next_version", "lock_versions"]

LOCK_NAME = "versions.lock"

_HEADER = """\
# Released policy versions and the SHA-256 of their content (the file's data
# as canonical JSON: comments and layout do not count). Written by `rules bump`
# and `rules lock`, verified by `rules check`: a released version never changes;
# make a new one with `rules bump POLICY`.
"""

_LINE = re.compile(r"([a-z0-9][a-z0-9_-]*)@([0-9]+\.[0-9]+\.[0-9]+):\s*sha256:([0-9a-f]{64})")


@dataclass(frozen=True, slots=True)
class Lock:
    """The lock file of one policies folder: ``{"id@version": hex digest}``."""

    path: Path
    entries: dict[str, str]
    lines: dict[str, int]


def content_hash(data: Any) -> str:
    """The hex SHA-256 of ``data`` as canonical JSON."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def file_hash(path: Path) -> str:
    """The content hash of a policy file: its data, conditions in canonical
    form (``rules fmt`` reprints them; that is not a change of meaning)."""
    data = load_document(path).data
    if isinstance(data, dict) and isinstance(data.get("rules"), list):
        from engine.language.parser import parse
        from engine.language.printer import to_text
        data = dict(data)
        rules = []
        for rule in data["rules"]:
            if isinstance(rule, dict) and isinstance(rule.get("when"), str):
                try:
                    rule = {**rule, "when": to_text(parse(rule["when"]))}
                except RulesError:
                    pass
            rules.append(rule)
        data["rules"] = rules
    return content_hash(data)


def read_lock(root: Path) -> Lock:
    """The lock file of ``root`` (empty when there is none)."""
    path = root / LOCK_NAME
    entries: dict[str, str] = {}
    lines: dict[str, int] = {}
    if not path.is_file():
        return Lock(path, entries, lines)
    text = load_text(path)
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = _LINE.fullmatch(line)
        if m is None:
            raise InputError("not a lock entry", code="RULES-E034", file=str(path), line=number,
                             column=1, source_line=raw,
                             hint="each line is `id@version: sha256:<64 hex digits>`; "
                                  "rewrite the file with `rules lock`")
        ref = f"{m.group(1)}@{m.group(2)}"
        entries[ref] = m.group(3)
        lines[ref] = number
    return Lock(path, entries, lines)


def load_text(path: Path) -> str:
    try:
        return path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"cannot read the lock file: {err}", code="RULES-E051", file=str(path)) from None


def write_lock(root: Path, entries: dict[str, str]) -> Path:
    """Write ``entries`` as ``root``'s lock file (sorted, atomically)."""
    from engine.base.files import atomic_write_text

    def order(ref: str) -> tuple[str, tuple[int, ...]]:
        pid, _, version = ref.partition("@")
        return pid, parse_version(version)

    body = "".join(f"{ref}: sha256:{entries[ref]}\n" for ref in sorted(entries, key=order))
    path = root / LOCK_NAME
    atomic_write_text(path, _HEADER + body)
    return path


def next_version(versions: list[str], part: str = "minor") -> str:
    """The version after the highest of ``versions``: ``part`` is major, minor or patch."""
    major, minor, patch = max((parse_version(v) for v in versions), default=(0, 0, 0))[:3]
    if part == "major":
        return f"{major + 1}.0.0"
    if part == "patch":
        return f"{major}.{minor}.{patch + 1}"
    return f"{major}.{minor + 1}.0"


def lock_versions(root: Path, refs: list[str] | None = None) -> list[str]:
    """Lock ``refs`` (default: every version not locked yet); return those added."""
    lock = read_lock(root)
    files = policy_files(root)
    entries = dict(lock.entries)
    added = []
    for pid, versions in sorted(files.items()):
        for version, file in sorted(versions.items(), key=lambda kv: parse_version(kv[0])):
            ref = f"{pid}@{version}"
            if ref in entries or (refs is not None and ref not in refs):
                continue
            entries[ref] = file_hash(file)
            added.append(ref)
    if added:
        write_lock(root, entries)
    return added


def verify_lock(root: Path) -> list[RulesError]:
    """One error per locked version whose file changed or disappeared."""
    try:
        lock = read_lock(root)
    except RulesError as err:
        return [err]
    files = policy_files(root)
    errors: list[RulesError] = []
    for ref, digest in sorted(lock.entries.items()):
        pid, _, version = ref.partition("@")
        versions = files.get(pid, {})
        bump_to = next_version(list(versions) or [version])
        file = versions.get(version)
        if file is None:
            errors.append(PolicyError(f"released version {ref} is missing", code="RULES-E034",
                                      file=str(lock.path), line=lock.lines[ref], column=1,
                                      hint=f"restore {pid}/{version}.yaml: released versions stay; "
                                           "a later version replaces it"))
            continue
        try:
            now = file_hash(file)
        except RulesError:
            continue  # the file's own problem is reported by the policy check
        if now != digest:
            errors.append(PolicyError(
                f"{ref} is released and its content changed (it no longer matches {LOCK_NAME})",
                code="RULES-E034", file=display_path(file, root), line=1, column=1,
                hint=f"undo the change and make it in a new version: `rules bump {pid}` "
                     f"creates {pid}/{bump_to}.yaml"))
    return errors
