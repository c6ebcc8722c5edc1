"""The action catalogue (``policies/actions.yaml``): every action a policy may
recommend, its parameters and allowed values, and how they relate.

Two kinds of relation give a disagreement its meaning (docs/disagreements.md):

* between the values of a parameter: ``alternatives`` (the default — any one
  of a recommendation's values satisfies it: channel email or phone),
  ``containment`` (one value includes others: a note to everyone you met
  includes one to each interviewer) or ``cumulative`` (each value is a
  recommendation of its own: an email *and* a handwritten note);
* between actions: ``opposes`` (cannot sensibly be done together; symmetric)
  and ``kind_of`` (a more general action: a check-in is a contact with the
  employer, so avoiding contact opposes checking in). ``opposes`` is inherited
  along ``kind_of``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, Mapping, cast

from engine.base.resources import policies_dir
from engine.base.suggestions import suggest
from engine.errors import PolicyError
from engine.input.documents import Document, load_document
from engine.input.schemas import validate_document

__all__ = ["Action", "ActionCatalogue", "Relation", "load_actions", "default_actions"]

Relation = Literal["alternatives", "containment", "cumulative"]
"""How the values of one parameter relate (see the module doc)."""


@dataclass(frozen=True, slots=True)
class Action:
    """One action: its label, parameters and place among the other actions."""

    id: str
    label: str
    doc: str
    params: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    param_docs: Mapping[str, str] = field(default_factory=dict)
    opposes: frozenset[str] = frozenset()
    relations: Mapping[str, Relation] = field(default_factory=dict)
    #: containment: param -> value -> every value it includes (transitively, itself too)
    includes: Mapping[str, Mapping[str, frozenset[str]]] = field(default_factory=dict)
    kind_of: str | None = None
    #: the more general actions, nearest first (kind_of, its kind_of, …)
    ancestors: tuple[str, ...] = ()

    def relation(self, param: str) -> Relation:
        return self.relations.get(param, "alternatives")

    def satisfies(self, param: str, value: str, wanted: str) -> bool:
        """Does doing the action with ``param: value`` do what ``wanted`` asks?"""
        if value == wanted:
            return True
        return wanted in self.includes.get(param, {}).get(value, ())


@dataclass(frozen=True, slots=True)
class ActionCatalogue:
    actions: Mapping[str, Action]
    source: str | None = None

    def __getitem__(self, action_id: str) -> Action:
        return self.actions[action_id]

    def __contains__(self, action_id: object) -> bool:
        return action_id in self.actions

    def lineage(self, action_id: str) -> tuple[str, ...]:
        """The action and every more general one, nearest first."""
        return (action_id,) + self.actions[action_id].ancestors

    def is_kind_of(self, specific: str, general: str) -> bool:
        """Is ``specific`` the action ``general`` or a kind of it?"""
        return specific == general or general in self.actions[specific].ancestors

    def opposed(self, a: str, b: str) -> bool:
        """Do ``a`` and ``b`` exclude each other (directly, or because a more
        general action of one opposes a more general action of the other)?"""
        lineage_b = set(self.lineage(b))
        return any(self.actions[x].opposes & lineage_b for x in self.lineage(a))


def _fail(doc: Document, message: str, code: str, path: tuple[Any, ...], hint: str | None = None,
          key: bool = False) -> PolicyError:
    return PolicyError(message, code=code, hint=hint, **doc.where(path, key=key))


def _includes(doc: Document, i: int, action_id: str, name: str, p: Mapping[str, Any]
              ) -> dict[str, frozenset[str]]:
    """``contains`` of a containment parameter, closed transitively; no cycles."""
    values = list(p["values"])
    contains = p.get("contains") or {}
    if p.get("relation", "alternatives") != "containment":
        if contains:
            raise _fail(doc, f"{action_id}.{name}: 'contains' needs 'relation: containment'",
                        "RULES-E030", ("actions", i, "params", name, "contains"), key=True)
        return {}
    direct: dict[str, list[str]] = {}
    for value, inner in contains.items():
        vpath = ("actions", i, "params", name, "contains", value)
        if value not in values:
            raise _fail(doc, f"'{value}' is not a value of {action_id}.{name}", "RULES-E032", vpath,
                        suggest(value, values) or f"values: {', '.join(values)}", key=True)
        for k, v in enumerate(inner):
            if v not in values:
                raise _fail(doc, f"'{v}' is not a value of {action_id}.{name}", "RULES-E032",
                            vpath + (k,), suggest(v, values) or f"values: {', '.join(values)}")
        direct[value] = list(inner)
    closed: dict[str, frozenset[str]] = {}
    for value in values:
        seen: set[str] = set()
        stack = list(direct.get(value, ()))
        while stack:
            v = stack.pop()
            if v == value:
                raise _fail(doc, f"{action_id}.{name}: '{value}' contains itself through 'contains'",
                            "RULES-E039", ("actions", i, "params", name, "contains", value),
                            "containment is a hierarchy: a value includes smaller ones", key=True)
            if v not in seen:
                seen.add(v)
                stack.extend(direct.get(v, ()))
        closed[value] = frozenset(seen | {value})
    return closed


def _ancestors(doc: Document, raw: list[dict[str, Any]], index: dict[str, int]
               ) -> dict[str, tuple[str, ...]]:
    parents: dict[str, str | None] = {}
    for i, a in enumerate(raw):
        parent = a.get("kind_of")
        if parent is not None and parent not in index:
            raise _fail(doc, f"'{a['id']}' is a kind of unknown action '{parent}'", "RULES-E031",
                        ("actions", i, "kind_of"), suggest(parent, index) or "see the 'id' entries")
        parents[a["id"]] = parent
    found: dict[str, tuple[str, ...]] = {}
    for action_id in parents:
        chain: list[str] = []
        step = parents[action_id]
        while step is not None:
            if step == action_id or step in chain:
                cycle = " → ".join([action_id, *chain, step])
                raise _fail(doc, f"'kind_of' goes round in a cycle: {cycle}", "RULES-E039",
                            ("actions", index[action_id], "kind_of"),
                            "kind_of points to a more general action, ending at one with none")
            chain.append(step)
            step = parents[step]
        found[action_id] = tuple(chain)
    return found


def _actions_from(doc: Document) -> ActionCatalogue:
    validate_document(doc, "actions.schema.json", PolicyError, "RULES-E030")
    raw = doc.data["actions"]
    index: dict[str, int] = {}
    for i, a in enumerate(raw):
        if a["id"] in index:
            raise _fail(doc, f"duplicate action id '{a['id']}' (first at item {index[a['id']] + 1})",
                        "RULES-E033", ("actions", i, "id"))
        index[a["id"]] = i
    opposes: dict[str, set[str]] = {a["id"]: set() for a in raw}
    for i, a in enumerate(raw):
        for j, other in enumerate(a.get("opposes") or ()):
            if other not in opposes:
                raise _fail(doc, f"'{a['id']}' opposes unknown action '{other}'", "RULES-E031",
                            ("actions", i, "opposes", j), suggest(other, opposes))
            if other == a["id"]:
                raise _fail(doc, f"'{a['id']}' opposes itself", "RULES-E039", ("actions", i, "opposes", j),
                            "an action that is advised against is an 'avoid' stance, not 'opposes'")
            opposes[a["id"]].add(other)
            opposes[other].add(a["id"])  # opposition is symmetric
    ancestors = _ancestors(doc, raw, index)
    actions = {}
    for i, a in enumerate(raw):
        declared = a.get("params") or {}
        params = {name: tuple(p["values"]) for name, p in declared.items()}
        docs = {name: p["doc"] for name, p in declared.items()}
        relations = {name: cast(Relation, p["relation"]) for name, p in declared.items()
                     if "relation" in p}
        includes = {name: closed for name, p in declared.items()
                    if (closed := _includes(doc, i, a["id"], name, p))}
        actions[a["id"]] = Action(a["id"], a["label"], a["doc"], params, docs,
                                  frozenset(opposes[a["id"]]), relations, includes,
                                  a.get("kind_of"), ancestors[a["id"]])
    return ActionCatalogue(actions, doc.file)


def load_actions(path: str | Path | None = None) -> ActionCatalogue:
    target = Path(path) if path else policies_dir() / "actions.yaml"
    return _actions_from(load_document(target, display=str(path) if path else "policies/actions.yaml"))


@lru_cache(maxsize=1)
def default_actions() -> ActionCatalogue:
    """The bundled catalogue (loaded once per process; immutable)."""
    return load_actions()
