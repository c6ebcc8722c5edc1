"""The vocabulary: event types (with their fields) and facts, loaded from a
YAML file; the scope in which conditions are checked.

A fact is defined by an expression in the condition language or by a named
function of the fact library. Definitions are checked against their declared
types, and cycles between facts are load errors naming the cycle.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping

from engine.base.suggestions import suggest
from engine.language.checker import check
from engine.language.compiler import CompiledExpr, compile_checked
from engine.errors import ConditionError, VocabularyError
from engine.model.fact_functions import FACT_FUNCTIONS, FactFunction
from engine.language.builtins import BUILTINS, FunctionSpec
from engine.base.resources import policies_dir
from engine.input.documents import Document, load_document
from engine.language.types import Type, assignable, enum_of, list_of, parse_type
from engine.input.schemas import validate_document
from engine.model.cache import CacheSetting, cached

__all__ = ["FieldSpec", "EventTypeSpec", "FactSpec", "Vocabulary", "load_vocabulary", "default_vocabulary"]


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    type: Type
    doc: str
    values: tuple[str, ...] | None = None
    default: Any = None
    required: bool = False
    min_items: int = 0
    single_to_list: bool = False
    minimum: int | None = None  # the least value of an int field


@dataclass(frozen=True, slots=True)
class EventTypeSpec:
    name: str
    doc: str
    fields: Mapping[str, FieldSpec]


@dataclass(frozen=True, slots=True)
class FactSpec:
    """A fact: its type, doc and how it is computed (``compute(ctx)``)."""

    name: str
    type: Type
    doc: str
    expr: str | None
    function: str | None
    uses: frozenset[str]
    compute: Callable[[Any], Any] = field(compare=False, repr=False)
    time_dependent: bool = False  # changes as the clock moves, with the log unchanged


class Vocabulary:
    """Event types, facts and functions: the scope of every condition.

    Immutable after loading; shared freely across threads and picklable."""

    def __init__(self, name: str, version: str, event_types: Mapping[str, EventTypeSpec],
                 facts: Mapping[str, FactSpec], functions: Mapping[str, FunctionSpec],
                 source: str | None = None, situation: Iterable[str] = ()) -> None:
        self.name = name
        self.version = version
        self.event_type_specs = dict(event_types)
        self.facts = dict(facts)
        self.functions = dict(functions)
        self.source = source
        self.situation = tuple(situation)  # facts that describe the situation at a glance
        self._fields = {n: {f.name: _field_type(f) for f in s.fields.values()}
                        for n, s in self.event_type_specs.items()}

    # -- the checker's Scope ---------------------------------------------------
    def fact_type(self, name: str) -> Type | None:
        spec = self.facts.get(name)
        return spec.type if spec else None

    def fact_names(self) -> Iterable[str]:
        return self.facts.keys()

    def function(self, name: str) -> FunctionSpec | None:
        return self.functions.get(name)

    def function_names(self) -> Iterable[str]:
        return self.functions.keys()

    def event_fields(self, event_type: str) -> Mapping[str, Type] | None:
        return self._fields.get(event_type)

    def event_types(self) -> Iterable[str]:
        return self.event_type_specs.keys()

    def __repr__(self) -> str:
        return f"<Vocabulary {self.name}@{self.version}: {len(self.facts)} facts>"


def _field_type(spec: FieldSpec) -> Type:
    """A field's type as conditions see it: a string (or list of strings)
    with declared values is an enum."""
    if spec.values is None:
        return spec.type
    if spec.type.name == "string":
        return enum_of(spec.values)
    if spec.type.name == "list" and spec.type.item is not None and spec.type.item.name == "string":
        return list_of(enum_of(spec.values))
    return spec.type


def _fact_type(declared: Type, raw: Mapping[str, Any], inferred: Type | None = None) -> Type:
    """A fact's type: declared ``values`` make a string an enum; an
    expression over an enum field (``last("reply_received").tone``) keeps it."""
    if declared.name != "string":
        return declared
    if raw.get("values"):
        return enum_of(raw["values"])
    if inferred is not None and inferred.values is not None:
        return inferred
    return declared


class _Scope:
    """The scope used while facts are being defined: declared types only."""

    def __init__(self, event_types: Mapping[str, EventTypeSpec], fact_types: Mapping[str, Type],
                 functions: Mapping[str, FunctionSpec]) -> None:
        self.vocab = Vocabulary("", "", event_types, {}, functions)
        self.fact_types = fact_types

    def fact_type(self, name: str) -> Type | None:
        return self.fact_types.get(name)

    def fact_names(self) -> Iterable[str]:
        return self.fact_types.keys()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.vocab, name)


def _field_spec(name: str, raw: Mapping[str, Any]) -> FieldSpec:
    values = raw.get("values")
    return FieldSpec(name=name, type=parse_type(raw["type"]), doc=raw["doc"],
                     values=tuple(values) if values else None, default=raw.get("default"),
                     required=bool(raw.get("required", False)),
                     min_items=int(raw.get("min_items", 0)),
                     single_to_list=bool(raw.get("single_to_list", False)),
                     minimum=raw.get("minimum"))


def _condition_error_in(doc: Document, path: tuple[Any, ...], err: ConditionError) -> VocabularyError:
    where = doc.locate_in_scalar(path, err.offset or 0)
    return VocabularyError(f"in the definition of '{path[1]}': {err.message}", code=err.code,
                           hint=err.hint, **where)


def vocabulary_from_document(doc: Document,
                             fact_functions: Mapping[str, FactFunction] | None = None,
                             functions: Mapping[str, FunctionSpec] | None = None) -> Vocabulary:
    """Build a :class:`Vocabulary` from a parsed vocabulary file."""
    from engine.language.parser import parse  # here, not above: a cached load never needs Lark

    validate_document(doc, "vocabulary.schema.json", VocabularyError, "RULES-E040")
    data = doc.data
    library = dict(FACT_FUNCTIONS)
    library.update(fact_functions or {})
    funcs = dict(BUILTINS)
    funcs.update(functions or {})
    event_types = {}
    for name, raw in data["event_types"].items():
        fields = {fname: _field_spec(fname, fraw) for fname, fraw in (raw.get("fields") or {}).items()}
        event_types[name] = EventTypeSpec(name, raw["doc"], fields)
    declared: dict[str, Type] = {}
    for name, raw in data["facts"].items():
        try:
            declared[name] = _fact_type(parse_type(raw["type"]), raw)
        except ValueError as err:
            raise VocabularyError(str(err), **doc.where(("facts", name, "type"))) from None
        if raw.get("values") and declared[name].name != "string":
            raise VocabularyError(f"fact '{name}' lists values but is {declared[name]}",
                                  hint="only a string fact takes a list of values",
                                  **doc.where(("facts", name, "values")))
        if name in funcs:
            raise VocabularyError(f"fact '{name}' has the name of a function",
                                  **doc.where(("facts", name), key=True))
    scope = _Scope(event_types, declared, funcs)
    facts: dict[str, FactSpec] = {}
    for name, raw in data["facts"].items():
        if "expr" in raw:
            path = ("facts", name, "expr")
            try:
                checked = check(parse(raw["expr"]), scope, raw["expr"], expect=None)
            except ConditionError as err:
                raise _condition_error_in(doc, path, err) from None
            if not assignable(checked.type, declared[name]):
                raise VocabularyError(f"fact '{name}' is declared {declared[name]} but its "
                                      f"definition is {checked.type}", **doc.where(path))
            compiled: CompiledExpr = compile_checked(checked, funcs)
            declared[name] = _fact_type(declared[name], raw, checked.type)
            facts[name] = FactSpec(name, declared[name], raw["doc"], raw["expr"], None,
                                   checked.facts, compiled)
        else:
            fname = raw["function"]
            impl = library.get(fname)
            if impl is None:
                raise VocabularyError(f"no fact function '{fname}' in the fact library",
                                      hint=suggest(fname, library) or f"known: {', '.join(sorted(library))}",
                                      **doc.where(("facts", name, "function")))
            unknown = [u for u in impl.uses if u not in declared]
            if unknown:
                raise VocabularyError(f"fact function '{fname}' reads fact '{unknown[0]}', which is not defined",
                                      **doc.where(("facts", name, "function")))
            facts[name] = FactSpec(name, declared[name], raw["doc"], None, fname,
                                   frozenset(impl.uses), impl.fn)
    _check_cycles(facts, doc)
    facts = _mark_time_dependent(facts, funcs)
    situation = data.get("situation") or []
    for i, name in enumerate(situation):
        if name not in facts:
            raise VocabularyError(f"situation names unknown fact '{name}'",
                                  hint=suggest(name, facts), **doc.where(("situation", i)))
    return Vocabulary(data["vocabulary"], data["version"], event_types, facts, funcs, doc.file,
                      situation)


def _check_cycles(facts: Mapping[str, FactSpec], doc: Document) -> None:
    state: dict[str, int] = {}  # 1 visiting, 2 done

    for root in facts:
        if state.get(root):
            continue
        stack: list[tuple[str, Iterator[str]]] = [(root, iter(sorted(facts[root].uses)))]
        path = [root]
        state[root] = 1
        while stack:
            name, deps = stack[-1]
            nxt = next(deps, None)
            if nxt is None:
                state[name] = 2
                stack.pop()
                path.pop()
                continue
            if state.get(nxt) == 1:
                cycle = path[path.index(nxt):] + [nxt]
                raise VocabularyError("cycle between facts: " + " → ".join(cycle), code="RULES-E041",
                                      hint="a fact cannot depend on itself, directly or through others",
                                      **doc.where(("facts", cycle[0]), key=True))
            if state.get(nxt) is None and nxt in facts:
                state[nxt] = 1
                path.append(nxt)
                stack.append((nxt, iter(sorted(facts[nxt].uses))))


def _mark_time_dependent(facts: dict[str, FactSpec],
                         funcs: Mapping[str, FunctionSpec]) -> dict[str, FactSpec]:
    """A fact is time-dependent if it is ``now``, calls a time-dependent
    function, or uses a time-dependent fact (facts are acyclic here)."""
    from dataclasses import replace

    memo: dict[str, bool] = {}

    def dependent(name: str) -> bool:
        if name not in memo:
            spec = facts[name]
            memo[name] = False
            direct = spec.function == "now" or (
                isinstance(spec.compute, CompiledExpr)
                and any(funcs[f].time_dependent for f in spec.compute.checked.functions))
            memo[name] = direct or any(dependent(u) for u in spec.uses if u in facts)
        return memo[name]

    return {name: replace(spec, time_dependent=dependent(name)) for name, spec in facts.items()}


def load_vocabulary(path: str | Path | None = None, *,
                    fact_functions: Mapping[str, FactFunction] | None = None,
                    functions: Mapping[str, FunctionSpec] | None = None) -> Vocabulary:
    """Load a vocabulary file (default: the bundled one)."""
    target = Path(path) if path is not None else policies_dir() / "vocabulary.yaml"
    doc = load_document(target, display=str(path) if path is not None else "policies/vocabulary.yaml")
    return vocabulary_from_document(doc, fact_functions, functions)


@lru_cache(maxsize=4)
def default_vocabulary(cache: CacheSetting = None) -> Vocabulary:
    """The bundled vocabulary (loaded once per process and ``cache`` setting,
    and kept in the on-disk cache unless ``cache=False``; immutable)."""
    file = policies_dir() / "vocabulary.yaml"
    return cached("vocabulary", [("policies/vocabulary.yaml", file)], (), load_vocabulary,
                  Vocabulary, cache)
