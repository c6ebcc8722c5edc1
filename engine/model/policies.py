"""Policies: loading, validation, versions.

``policies/<policy-id>/<version>.yaml`` files are validated by the JSON Schema,
then every rule's condition is parsed and type-checked against the vocabulary
(errors point at the exact line and column inside ``when:``), its action and
parameters against ``policies/actions.yaml``. Loaded policies are immutable,
shareable across threads and picklable.
"""

from __future__ import annotations

import difflib
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
from engine.input.schemas import schema_problems, validate_document
from engine.model.actions import ActionCatalogue, default_actions, load_actions
from engine.model.folders import (BUNDLED, PolicyPaths, display_path, merged_policy_files, own_file,
                                  policy_files, policy_roots)
from engine.model.vocabulary import Vocabulary, default_vocabulary, load_vocabulary

__all__ = ["Rule", "Policy", "PolicySet", "load_policies", "load_policy_file", "check_policy_file",
           "default_vocabulary",
           "display_path", "parse_version", "policy_files", "policy_roots", "BUNDLED",
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
                 max_rules: int = MAX_RULES_PER_POLICY,
                 problems: list[RulesError] | None = None) -> Policy | None:
    """Build a :class:`Policy` from its document. Without ``problems`` the
    first error is raised; with it every error is appended there (the checker
    goes on past each one) and None is returned if there was any."""
    found: list[RulesError] = [] if problems is None else problems
    before = len(found)

    def fail(err: RulesError) -> None:
        if problems is None:
            raise err
        found.append(err)

    if isinstance(doc.data, dict) and isinstance(doc.data.get("rules"), list) \
            and len(doc.data["rules"]) > max_rules:
        raise PolicyError(f"{len(doc.data['rules'])} rules; the limit is {max_rules}", code="RULES-E013",
                          hint="split the policy, or raise max_rules", **doc.where(("rules",)))
    bad_rules: set[int] = set()
    top_ok = True
    if problems is None:
        validate_document(doc, "policy.schema.json", PolicyError, "RULES-E030")
    else:
        for path, err in schema_problems(doc, "policy.schema.json", PolicyError, "RULES-E030"):
            found.append(err)
            if len(path) >= 2 and path[0] == "rules" and isinstance(path[1], int):
                bad_rules.add(path[1])
            else:
                top_ok = False
    data = doc.data
    if not isinstance(data, dict):
        return None
    shaky = len(found) > before  # after schema errors, a check may meet data of the wrong shape
    if top_ok:
        try:
            _check_header(doc, data, expect_id, expect_version, fail)
        except (KeyError, TypeError, AttributeError):
            if not shaky:
                raise
    rules = []
    seen: dict[str, int] = {}
    raw_rules: list[Any] = data["rules"] if isinstance(data.get("rules"), list) else []
    for i, r in enumerate(raw_rules):
        path = ("rules", i)
        if i in bad_rules:
            continue
        try:
            rule = _rule_from(doc, path, r, vocabulary, actions, seen, fail, found)
        except (KeyError, TypeError, AttributeError):
            if not shaky:
                raise
            continue
        if rule is not None:
            rules.append(rule)
    if len(found) > before:
        return None
    return Policy(id=data["policy"], version=data["version"], title=data["title"],
                  source=dict(data["source"]), requires=data["requires"],
                  changes=tuple(data["changes"]), rules=tuple(rules), file=doc.file,
                  sha256=hashlib.sha256(raw_bytes).hexdigest())


def _rule_from(doc: Document, path: tuple[Any, ...], r: Mapping[str, Any], vocabulary: Vocabulary,
               actions: ActionCatalogue, seen: dict[str, int], fail: Any,
               found: list[RulesError]) -> Rule | None:
    """One rule, checked; None if it has a problem (reported through ``fail``)."""
    from engine.language.parser import parse  # here, not above: a cached load never needs Lark

    if r["id"] in seen:
        fail(PolicyError(f"duplicate rule id '{r['id']}' (first at line {seen[r['id']]})",
                         code="RULES-E033", **doc.where(path + ("id",))))
    seen.setdefault(r["id"], doc.positions.of(path + ("id",))[0] or 0)
    rule_problems = len(found)
    try:
        checked = check(parse(r["when"]), vocabulary, r["when"])
    except ConditionError as err:
        fail(_condition_error(doc, path + ("when",), err))
    params = _rule_params(doc, path, r["then"], actions, fail)
    if len(found) > rule_problems or params is None:
        return None
    return Rule(
        id=r["id"], summary=r["summary"], when=r["when"],
        condition=compile_checked(checked, vocabulary.functions),
        action=r["then"]["action"], stance=cast(Stance, r["then"]["stance"]), params=params,
        section=r["cite"]["section"], quote=r["cite"]["quote"],
        attributed_to=r.get("attributed_to"), line=doc.positions.of(path)[0],
        grade=cast("Grade | None", r["then"].get("grade")))


def _check_header(doc: Document, data: Mapping[str, Any], expect_id: str | None,
                  expect_version: str | None, fail: Any) -> None:
    """The policy's id and version against its file name, its changes, its engine."""
    if expect_id is not None and data["policy"] != expect_id:
        fail(PolicyError(f"policy id '{data['policy']}' does not match its folder '{expect_id}'",
                         code="RULES-E034", **doc.where(("policy",))))
    if expect_version is not None and data["version"] != expect_version:
        fail(PolicyError(f"version {data['version']} does not match the file name {expect_version}.yaml",
                         code="RULES-E034", **doc.where(("version",))))
    if not any(c["version"] == data["version"] for c in data["changes"]):
        fail(PolicyError(f"no 'changes' entry for version {data['version']}", code="RULES-E034",
                         hint="every version says what changed", **doc.where(("changes",))))
    if not _requires_ok(data["requires"]):
        fail(PolicyError(f"policy requires engine {data['requires']}, this is {ENGINE_VERSION}",
                         code="RULES-E035", **doc.where(("requires",))))


def _rule_params(doc: Document, path: tuple[Any, ...], then: Mapping[str, Any], actions: ActionCatalogue,
                 fail: Any) -> dict[str, str | tuple[str, ...]] | None:
    """A rule's action parameters, checked against the action catalogue."""
    action_id = then["action"]
    if action_id not in actions:
        close = difflib.get_close_matches(action_id, sorted(actions.actions), n=3, cutoff=0.5)
        fail(PolicyError(f"unknown action '{action_id}'", code="RULES-E031",
                         hint=(f"did you mean {' or '.join(repr(c) for c in close)}?" if close else
                               f"actions: {', '.join(sorted(actions.actions))}"),
                         **doc.where(path + ("then", "action"))))
        return None
    action = actions[action_id]
    params: dict[str, str | tuple[str, ...]] = {}
    ok = True
    for name, value in then.items():
        if name in ("action", "stance", "grade"):
            continue
        allowed = action.params.get(name)
        if allowed is None:
            fail(PolicyError(f"action '{action_id}' has no parameter '{name}'", code="RULES-E032",
                             hint=suggest(name, action.params) or
                             (f"parameters: {', '.join(action.params)}" if action.params else
                              "this action takes no parameters"),
                             **doc.where(path + ("then", name), key=True)))
            ok = False
            continue
        values = [value] if isinstance(value, str) else value
        for k, v in enumerate(values):
            if v not in allowed:
                vpath = path + ("then", name) + ((k,) if not isinstance(value, str) else ())
                fail(PolicyError(f"'{v}' is not a value of {action_id}.{name}", code="RULES-E032",
                                 hint=suggest(v, allowed) or f"allowed: {', '.join(allowed)}",
                                 **doc.where(vpath)))
                ok = False
        params[name] = value if isinstance(value, str) else tuple(value)
    return params if ok else None


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
    policy = _policy_from(doc, p.read_bytes(), vocab, acts, expect_id, expect_version, max_rules)
    if policy is None:  # cannot happen: without a problems list every error is raised
        raise PolicyError("policy could not be built", code="RULES-E030", file=doc.file)
    return policy


def check_policy_file(path: str | Path, vocabulary: Vocabulary, actions: ActionCatalogue, *,
                      display: str | None = None, max_rules: int = MAX_RULES_PER_POLICY,
                      ) -> tuple[Policy | None, list[RulesError]]:
    """Check one policy file, going on past each error: the policy (None if
    anything is wrong) and every problem found, in document order."""
    p = Path(path)
    problems: list[RulesError] = []
    try:
        doc = load_document(p, display=display)
        expect_id = p.parent.name if re.fullmatch(r"[0-9]+\.[0-9]+\.[0-9]+", p.stem) else None
        expect_version = p.stem if expect_id else None
        policy = _policy_from(doc, p.read_bytes(), vocabulary, actions, expect_id, expect_version,
                              max_rules, problems)
    except RulesError as err:  # the file could not be read at all
        return None, [err]
    problems.sort(key=lambda e: (e.line or 0, e.column or 0))
    return (policy if not problems else None), problems


def load_policies(path: PolicyPaths = None, *, select: Iterable[str] = (),
                  vocabulary: Vocabulary | None = None,
                  actions: ActionCatalogue | None = None, max_policies: int = MAX_POLICIES,
                  max_rules: int = MAX_RULES_PER_POLICY, cache: CacheSetting = None) -> PolicySet:
    """Load the policies in force from a folder (default: the bundled ones),
    or from several: later folders add policies to earlier ones (``":bundled"``
    names the bundled folder), and an ``id@version`` found twice is an error.

    The highest version of each policy is loaded unless ``select`` names
    ``id`` or ``id@version`` entries, in which case only those are loaded.
    A folder's own ``vocabulary.yaml`` and ``actions.yaml`` are used when
    present (the first folder that has one; a different one in a later
    folder is an error).

    What a load builds is kept in an on-disk cache keyed by the files'
    content and the engine (see :mod:`engine.model.cache`; ``cache=False`` or
    ``RULES_NO_CACHE=1`` turn it off), unless ``vocabulary`` or ``actions``
    objects are passed in.
    """
    roots = policy_roots(path)
    merged = merged_policy_files(roots)
    files = {pid: {v: f for v, (f, _) in vs.items()} for pid, vs in merged.items()}
    root_of = {f: r for vs in merged.values() for f, r in vs.values()}
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
                         file=str(roots[0]), hint="raise max_policies, or select policies")
    # The folders' own vocabulary and actions, or the bundled ones: (shown as, file, own?)
    sources = {name: own_file(roots, name) if path is not None else None
               for name in ("vocabulary.yaml", "actions.yaml")}
    resolved = {name: found or (f"policies/{name}", policies_dir() / name, False)
                for name, found in sources.items()}

    def build() -> PolicySet:
        _, vocab_file, own_vocab = resolved["vocabulary.yaml"]
        _, actions_file, own_acts = resolved["actions.yaml"]
        vocab = vocabulary or (load_vocabulary(vocab_file) if own_vocab else default_vocabulary(cache))
        acts = actions or (load_actions(actions_file) if own_acts else default_actions())
        loaded = tuple(load_policy_file(f, vocab, acts, display=display_path(f, root_of[f]),
                                        max_rules=max_rules)
                       for _, f in sorted(chosen.items()))
        return PolicySet(loaded, vocab, acts)

    if vocabulary is not None or actions is not None:
        return build()  # objects from the caller: nothing to key the cache by
    inputs = [(shown, file) for shown, file, _ in resolved.values()]
    inputs += [(display_path(f, root_of[f]), f) for _, f in sorted(chosen.items())]
    return cached("policies", inputs, (max_rules,), build, PolicySet, cache)
