"""Policies: loading, validation, versions.

``policies/<policy-id>/<version>.yaml`` files are validated by the JSON Schema,
then every rule's condition is parsed and type-checked against the vocabulary
(errors point at the exact line and column inside ``when:``), its action and
parameters against ``policies/actions.yaml``. Loaded policies are immutable,
shareable across threads and picklable.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Literal, Mapping, cast

from engine.base.version import __version__
from engine.base.suggestions import suggest
from engine.language.checker import check
from engine.model.cache import CacheSetting, cached
from engine.language.compiler import CompiledExpr, compile_checked
from engine.errors import ConditionError, InputError, PolicyError, RulesError, UsageError
from engine.base.resources import policies_dir
from engine.input.documents import Document, load_document
from engine.input.schemas import validate_document
from engine.model.actions import ActionCatalogue, default_actions, load_actions
from engine.model.vocabulary import Vocabulary, default_vocabulary, load_vocabulary

__all__ = ["Rule", "Policy", "PolicySet", "load_policies", "load_policy_file",
           "default_vocabulary", "parse_version",
           "ENGINE_VERSION", "MAX_POLICIES", "MAX_RULES_PER_POLICY", "Stance", "Grade"]

Stance = Literal["do", "avoid", "may"]
"""How a source stands on an action: recommends it, warns against it, or permits it."""

Grade = Literal["strong", "weak"]
"""How strongly the article words a recommendation ("never …" is strong, "you may want to …" weak)."""

ENGINE_VERSION = __version__
Version = tuple[int, ...]

#: Bounds on what one load may bring in (raise them through the arguments).
MAX_POLICIES = 1_000
MAX_RULES_PER_POLICY = 10_000


def parse_version(text: str) -> Version:
    return tuple(int(p) for p in text.split("."))


def _requires_ok(spec: str, version: str = ENGINE_VERSION) -> bool:
    have = parse_version(version)
    for clause in spec.split(","):
        m = re.fullmatch(r"\s*(>=|<=|>|<|==|!=)\s*([0-9.]+)\s*", clause)
        if not m:
            return False
        op, want = m.group(1), parse_version(m.group(2))
        have_cut = have[: len(want)] if op in ("==", "!=") else have
        want_pad = want + (0,) * (len(have) - len(want)) if op not in ("==", "!=") else want
        ok = {">=": have_cut >= want_pad, "<=": have_cut <= want_pad, ">": have_cut > want_pad,
              "<": have_cut < want_pad, "==": have_cut == want, "!=": have_cut != want}[op]
        if not ok:
            return False
    return True


# -- rules and policies -------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Rule:
    """One piece of advice: when it applies, what it recommends, where it stands."""

    id: str
    summary: str
    when: str
    condition: CompiledExpr = field(compare=False, repr=False)
    action: str
    stance: Stance
    params: Mapping[str, str | tuple[str, ...]]
    section: str
    quote: str
    attributed_to: str | None = None
    line: int | None = None
    grade: Grade | None = None  # absent in policies written before 1.1.0


@dataclass(frozen=True, slots=True)
class Policy:
    """One version of one source's policy."""

    id: str
    version: str
    title: str
    source: Mapping[str, str]
    requires: str
    changes: tuple[Mapping[str, str], ...]
    rules: tuple[Rule, ...]
    file: str
    sha256: str

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)


class _Cache(dict[Any, Any]):
    """Derived data kept with a :class:`PolicySet` (the evaluator's per-set
    tables). Not part of its value: not compared, and empty after pickling."""

    def __reduce__(self) -> tuple[Any, ...]:
        return (_Cache, ())


@dataclass(frozen=True, slots=True)
class PolicySet:
    """The policies in force, with the vocabulary and actions they use."""

    policies: tuple[Policy, ...]
    vocabulary: Vocabulary = field(repr=False)
    actions: ActionCatalogue = field(repr=False)
    _cache: dict[Any, Any] = field(default_factory=_Cache, init=False, repr=False, compare=False)

    def __iter__(self) -> Iterator[Policy]:
        return iter(self.policies)

    def __len__(self) -> int:
        return len(self.policies)

    def get(self, policy_id: str) -> Policy | None:
        return next((p for p in self.policies if p.id == policy_id), None)


def _condition_error(doc: Document, path: tuple[Any, ...], err: ConditionError) -> PolicyError:
    where = doc.locate_in_scalar(path, err.offset or 0)
    return PolicyError(err.message, code=err.code, hint=err.hint, end_column=(
        where["column"] + err.length if where.get("column") else None), **where)


def _policy_from(doc: Document, raw_bytes: bytes, vocabulary: Vocabulary,
                 actions: ActionCatalogue, expect_id: str | None, expect_version: str | None,
                 max_rules: int = MAX_RULES_PER_POLICY) -> Policy:
    if isinstance(doc.data, dict) and isinstance(doc.data.get("rules"), list) \
            and len(doc.data["rules"]) > max_rules:
        raise PolicyError(f"{len(doc.data['rules'])} rules; the limit is {max_rules}", code="RULES-E013",
                          hint="split the policy, or raise max_rules", **doc.where(("rules",)))
    validate_document(doc, "policy.schema.json", PolicyError, "RULES-E030")
    data = doc.data
    if expect_id is not None and data["policy"] != expect_id:
        raise PolicyError(f"policy id '{data['policy']}' does not match its folder '{expect_id}'",
                          code="RULES-E034", **doc.where(("policy",)))
    if expect_version is not None and data["version"] != expect_version:
        raise PolicyError(f"version {data['version']} does not match the file name {expect_version}.yaml",
                          code="RULES-E034", **doc.where(("version",)))
    if not any(c["version"] == data["version"] for c in data["changes"]):
        raise PolicyError(f"no 'changes' entry for version {data['version']}", code="RULES-E034",
                          hint="every version says what changed", **doc.where(("changes",)))
    if not _requires_ok(data["requires"]):
        raise PolicyError(f"policy requires engine {data['requires']}, this is {ENGINE_VERSION}",
                          code="RULES-E035", **doc.where(("requires",)))
    from engine.language.parser import parse  # here, not above: a cached load never needs Lark

    rules = []
    seen: dict[str, int] = {}
    for i, r in enumerate(data["rules"]):
        path = ("rules", i)
        if r["id"] in seen:
            raise PolicyError(f"duplicate rule id '{r['id']}' (first at line {seen[r['id']]})",
                              code="RULES-E033", **doc.where(path + ("id",)))
        seen[r["id"]] = doc.positions.of(path + ("id",))[0] or 0
        try:
            checked = check(parse(r["when"]), vocabulary, r["when"])
        except ConditionError as err:
            raise _condition_error(doc, path + ("when",), err) from None
        then = r["then"]
        action_id = then["action"]
        if action_id not in actions:
            raise PolicyError(f"unknown action '{action_id}'", code="RULES-E031",
                              hint=suggest(action_id, actions.actions) or "see policies/actions.yaml",
                              **doc.where(path + ("then", "action")))
        action = actions[action_id]
        params: dict[str, str | tuple[str, ...]] = {}
        for name, value in then.items():
            if name in ("action", "stance", "grade"):
                continue
            allowed = action.params.get(name)
            if allowed is None:
                raise PolicyError(f"action '{action_id}' has no parameter '{name}'", code="RULES-E032",
                                  hint=suggest(name, action.params) or
                                  (f"parameters: {', '.join(action.params)}" if action.params else
                                   "this action takes no parameters"),
                                  **doc.where(path + ("then", name), key=True))
            values = [value] if isinstance(value, str) else value
            for k, v in enumerate(values):
                if v not in allowed:
                    vpath = path + ("then", name) + ((k,) if not isinstance(value, str) else ())
                    raise PolicyError(f"'{v}' is not a value of {action_id}.{name}", code="RULES-E032",
                                      hint=suggest(v, allowed) or f"allowed: {', '.join(allowed)}",
                                      **doc.where(vpath))
            params[name] = value if isinstance(value, str) else tuple(value)
        rules.append(Rule(
            id=r["id"], summary=r["summary"], when=r["when"],
            condition=compile_checked(checked, vocabulary.functions),
            action=action_id, stance=cast(Stance, then["stance"]), params=params,
            section=r["cite"]["section"], quote=r["cite"]["quote"],
            attributed_to=r.get("attributed_to"), line=doc.positions.of(path)[0],
            grade=cast("Grade | None", then.get("grade"))))
    return Policy(id=data["policy"], version=data["version"], title=data["title"],
                  source=dict(data["source"]), requires=data["requires"],
                  changes=tuple(data["changes"]), rules=tuple(rules), file=doc.file,
                  sha256=hashlib.sha256(raw_bytes).hexdigest())


def load_policy_file(path: str | Path, vocabulary: Vocabulary | None = None,
                     actions: ActionCatalogue | None = None, *, display: str | None = None,
                     max_rules: int = MAX_RULES_PER_POLICY) -> Policy:
    """Load and check one policy file."""
    p = Path(path)
    doc = load_document(p, display=display)
    vocab = vocabulary or default_vocabulary()
    acts = actions or default_actions()
    expect_id = p.parent.name if re.fullmatch(r"[0-9]+\.[0-9]+\.[0-9]+", p.stem) else None
    expect_version = p.stem if expect_id else None
    return _policy_from(doc, p.read_bytes(), vocab, acts, expect_id, expect_version, max_rules)




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


def _display(path: Path, root: Path) -> str:
    try:
        rel = path.resolve().relative_to(Path.cwd().resolve())
        return str(rel)
    except ValueError:
        if root.resolve() == policies_dir().resolve():
            return f"policies/{path.relative_to(root)}"
        return str(path)


def load_policies(path: str | Path | None = None, *, select: Iterable[str] = (),
                  vocabulary: Vocabulary | None = None,
                  actions: ActionCatalogue | None = None, max_policies: int = MAX_POLICIES,
                  max_rules: int = MAX_RULES_PER_POLICY, cache: CacheSetting = None) -> PolicySet:
    """Load the policies in force from a folder (default: the bundled ones).

    The highest version of each policy is loaded unless ``select`` names
    ``id`` or ``id@version`` entries, in which case only those are loaded.
    The folder's own ``vocabulary.yaml`` and ``actions.yaml`` are used when present.

    What a load builds is kept in an on-disk cache keyed by the files'
    content and the engine (see :mod:`engine.model.cache`; ``cache=False`` or
    ``RULES_NO_CACHE=1`` turn it off), unless ``vocabulary`` or ``actions``
    objects are passed in.
    """
    root = Path(path) if path is not None else policies_dir()
    if not root.is_dir():
        raise InputError("no such policies folder", code="RULES-E051", file=str(root))
    files = policy_files(root)
    if not files:
        raise InputError("no policy files in this folder", code="RULES-E051", file=str(root),
                         hint="a policy file is <policy-id>/<version>.yaml, e.g. hayes/1.0.0.yaml")
    chosen: dict[str, Path] = {}
    wanted = list(select)
    for item in wanted:
        pid, _, version = item.partition("@")
        versions = files.get(pid)
        if not versions:
            raise UsageError(f"no policy '{pid}'", hint=suggest(pid, files) or
                             f"policies: {', '.join(sorted(files))}")
        if version:
            if version not in versions:
                raise UsageError(f"policy '{pid}' has no version {version}",
                                 hint=f"versions: {', '.join(sorted(versions, key=parse_version))}")
            chosen[pid] = versions[version]
        else:
            chosen[pid] = versions[max(versions, key=parse_version)]
    if not wanted:
        chosen = {pid: vs[max(vs, key=parse_version)] for pid, vs in files.items()}
    if len(chosen) > max_policies:
        raise InputError(f"{len(chosen)} policies; the limit is {max_policies}", code="RULES-E013",
                         file=str(root), hint="raise max_policies, or select policies")
    # The folder's own vocabulary and actions, or the bundled ones: (shown as, file, own?)
    sources = {}
    for name in ("vocabulary.yaml", "actions.yaml"):
        own = path is not None and (root / name).is_file()
        sources[name] = ((str(root / name), root / name, True) if own else
                         (f"policies/{name}", policies_dir() / name, False))

    def build() -> PolicySet:
        _, vocab_file, own_vocab = sources["vocabulary.yaml"]
        _, actions_file, own_acts = sources["actions.yaml"]
        vocab = vocabulary or (load_vocabulary(vocab_file) if own_vocab else default_vocabulary(cache))
        acts = actions or (load_actions(actions_file) if own_acts else default_actions())
        loaded = tuple(load_policy_file(f, vocab, acts, display=_display(f, root), max_rules=max_rules)
                       for _, f in sorted(chosen.items()))
        return PolicySet(loaded, vocab, acts)

    if vocabulary is not None or actions is not None:
        return build()  # objects from the caller: nothing to key the cache by
    inputs = [(shown, file) for shown, file, _ in sources.values()]
    inputs += [(_display(f, root), f) for _, f in sorted(chosen.items())]
    return cached("policies", inputs, (max_rules,), build, PolicySet, cache)


def check_paths(paths: Iterable[str | Path], vocabulary: Vocabulary | None = None,
                actions: ActionCatalogue | None = None) -> tuple[list[Policy], list[RulesError]]:
    """Check every policy file (all versions) under ``paths``; collect errors
    instead of stopping at the first file."""
    vocab, acts = vocabulary, actions
    policies: list[Policy] = []
    errors: list[RulesError] = []
    files: list[tuple[Path, Path]] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            try:
                if vocab is None and (p / "vocabulary.yaml").is_file():
                    vocab = load_vocabulary(p / "vocabulary.yaml")
                if acts is None and (p / "actions.yaml").is_file():
                    acts = load_actions(p / "actions.yaml")
            except RulesError as err:
                errors.append(err)
                continue
            try:
                found = policy_files(p)
            except RulesError as err:
                errors.append(err)
                continue
            if not found:
                errors.append(InputError("no policy files in this folder", code="RULES-E051", file=str(p),
                                         hint="a policy file is <policy-id>/<version>.yaml, "
                                              "e.g. hayes/1.0.0.yaml"))
            for versions in found.values():
                files.extend((f, p) for f in versions.values())
        elif p.is_file():
            files.append((p, p.parent.parent))
        else:
            errors.append(InputError("no such file or folder", code="RULES-E051", file=str(p)))
    try:
        vocab = vocab or default_vocabulary()
        acts = acts or default_actions()
    except RulesError as err:
        errors.append(err)
        return policies, errors
    for f, root in files:
        try:
            policies.append(load_policy_file(f, vocab, acts, display=_display(f, root)))
        except RulesError as err:
            errors.append(err)
    return policies, errors

