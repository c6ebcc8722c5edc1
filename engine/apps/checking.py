"""``rules check``: every problem in every policy file, in one run.

Each file is checked past its first error (schema, id and version, every
rule's condition, action and parameters), then the citations against the
source articles, then the released versions against the lock file. Problems
come sorted by file and position, with counts that say how many files were
checked, how many loaded, and how many have problems.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from engine.apps.citations import check_citations, find_seeds
from engine.apps.releases import verify_lock
from engine.errors import InputError, RulesError, UsageError
from engine.input.documents import Document, load_document
from engine.model.folders import display_path, policy_files
from engine.model.actions import ActionCatalogue, default_actions, load_actions
from engine.model.policies import Policy, check_policy_file
from engine.model.vocabulary import Vocabulary, default_vocabulary, load_vocabulary

__all__ = ["CheckReport", "check_paths", "run_check"]


@dataclass(slots=True)
class CheckReport:
    """What ``rules check`` found."""

    files: list[str] = field(default_factory=list)        # policy files checked (as shown)
    policies: list[Policy] = field(default_factory=list)  # those that loaded without a problem
    problems: list[RulesError] = field(default_factory=list)
    citations: str = "citations not checked"               # what happened to the citation check
    locks: list[str] = field(default_factory=list)        # lock files verified

    @property
    def rules(self) -> int:
        return sum(len(p.rules) for p in self.policies)

    @property
    def files_with_problems(self) -> int:
        return len({p.file for p in self.problems if p.file is not None})

    @property
    def exit_code(self) -> int:
        """0 clean, 1 problems in policies, 2 unreadable input."""
        if any(isinstance(p, (InputError, UsageError)) for p in self.problems):
            return 2
        return 1 if self.problems else 0

    def summary(self) -> str:
        loaded = len(self.policies)
        files = len(self.files)
        problems = len(self.problems)
        parts = [f"{files} policy file{'' if files == 1 else 's'} checked"]
        if loaded != files:
            parts.append(f"{loaded} loaded")
        parts.append(f"{self.rules} rule{'' if self.rules == 1 else 's'}")
        if problems:
            parts.append(f"{problems} problem{'' if problems == 1 else 's'} in "
                         f"{self.files_with_problems} file{'' if self.files_with_problems == 1 else 's'}")
        else:
            parts.append("no problems")
        return ", ".join(parts) + f"; {self.citations}"


def _scope_of(root: Path, vocabulary: Vocabulary | None, actions: ActionCatalogue | None,
              ) -> tuple[Vocabulary, ActionCatalogue]:
    """The vocabulary and actions a folder's policies are checked with: the
    ones given, else the folder's own files, else the bundled ones."""
    vocab = vocabulary or (load_vocabulary(root / "vocabulary.yaml")
                           if (root / "vocabulary.yaml").is_file() else default_vocabulary())
    acts = actions or (load_actions(root / "actions.yaml")
                       if (root / "actions.yaml").is_file() else default_actions())
    return vocab, acts


def check_paths(paths: Iterable[str | Path], vocabulary: Vocabulary | None = None,
                actions: ActionCatalogue | None = None, report: CheckReport | None = None
                ) -> CheckReport:
    """Check every policy file (all versions) under ``paths`` — each folder
    with its own vocabulary and actions — collecting every problem instead
    of stopping at the first."""
    out = report or CheckReport()
    files: list[tuple[Path, Path]] = []
    seen: dict[str, str] = {}
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = policy_files(p)
            if not found:
                out.problems.append(InputError(
                    "no policy files in this folder", code="RULES-E051", file=str(p),
                    hint="a policy file is <policy-id>/<version>.yaml, e.g. hayes/1.0.0.yaml"))
            for pid, versions in found.items():
                for version, f in versions.items():
                    ref, shown = f"{pid}@{version}", display_path(f, p)
                    if ref in seen:
                        out.problems.append(RulesError(
                            f"{ref} is defined twice", code="RULES-E033", file=shown,
                            hint=f"also in {seen[ref]}; each id@version may come from one folder only"))
                        continue
                    seen[ref] = shown
                    files.append((f, p))
        elif p.is_file():
            files.append((p, p.parent.parent))
        else:
            out.problems.append(InputError("no such file or folder", code="RULES-E051", file=str(p)))
    scopes: dict[Path, tuple[Vocabulary, ActionCatalogue] | None] = {}
    for f, root in files:
        if root not in scopes:
            try:
                scopes[root] = _scope_of(root, vocabulary, actions)
            except RulesError as err:
                out.problems.append(err)
                scopes[root] = None
        scope = scopes[root]
        shown = display_path(f, root)
        out.files.append(shown)
        if scope is None:
            continue
        policy, problems = check_policy_file(f, *scope, display=shown)
        out.problems.extend(problems)
        if policy is not None:
            out.policies.append(policy)
    return out


def _locator(paths: dict[str, Path]) -> Callable[[Policy, int, str], dict[str, Any]]:
    """Where a rule's citation is, for messages (the document is re-read only
    for a policy that has a citation problem)."""
    docs: dict[str, Document | None] = {}

    def locate(policy: Policy, index: int, key: str) -> dict[str, Any]:
        real = paths.get(policy.file, Path(policy.file))
        if policy.file not in docs:
            try:
                docs[policy.file] = load_document(real, display=policy.file)
            except RulesError:
                docs[policy.file] = None
        doc = docs[policy.file]
        if doc is None:
            return {"file": policy.file}
        path = ("source", "document") if index < 0 else ("rules", index, "cite", key)
        return doc.where(path)

    return locate


def run_check(paths: Sequence[str | Path], *, seeds: Sequence[str | Path] = (),
              require_citations: bool = False) -> CheckReport:
    """The whole of ``rules check``: policies, citations, released versions."""
    from engine.base.resources import policies_dir

    targets = [Path(p) for p in paths] or [policies_dir()]
    report = check_paths(targets)
    folders = find_seeds(list(seeds) or None)
    missing = [f for f in folders if not f.is_dir()]
    for f in missing:
        report.problems.append(InputError("no such seeds folder", code="RULES-E051", file=str(f)))
    folders = [f for f in folders if f.is_dir()]
    if folders and report.policies:
        real = {}
        for t in targets:
            for versions in (policy_files(t) if t.is_dir() else {}).values():
                real.update({display_path(f, t): f for f in versions.values()})
            if t.is_file():
                real[display_path(t, t.parent.parent)] = t
        report.problems.extend(check_citations(report.policies, folders, _locator(real)))
        report.citations = "citations checked against " + ", ".join(str(f) for f in folders)
    elif not report.policies:
        report.citations = "citations not checked (no policy loaded)"
    else:
        report.citations = "citations not checked (no seeds folder found; see --seeds)"
        if require_citations:
            report.problems.append(RulesError(
                "citations cannot be checked: no seeds folder found", code="RULES-E036",
                hint="pass --seeds DIR (or set FOLLOWUP_SEEDS); --require-citations makes this an error"))
    for t in targets:
        if t.is_dir():
            report.problems.extend(verify_lock(t))
            if (t / "versions.lock").is_file():
                report.locks.append(str(t / "versions.lock"))
    report.problems.sort(key=lambda e: (e.file or "", e.line or 0, e.column or 0))
    return report
