"""The action catalogue (``policies/actions.yaml``): every action a policy may
recommend, its parameters and allowed values, and how actions relate."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Mapping

from engine.base.resources import policies_dir
from engine.base.suggestions import suggest
from engine.errors import PolicyError
from engine.input.documents import Document, load_document
from engine.input.schemas import validate_document

__all__ = ["Action", "ActionCatalogue", "load_actions", "default_actions"]


@dataclass(frozen=True, slots=True)
class Action:
    id: str
    label: str
    doc: str
    params: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    param_docs: Mapping[str, str] = field(default_factory=dict)
    opposes: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class ActionCatalogue:
    actions: Mapping[str, Action]
    source: str | None = None

    def __getitem__(self, action_id: str) -> Action:
        return self.actions[action_id]

    def __contains__(self, action_id: object) -> bool:
        return action_id in self.actions

    def opposed(self, a: str, b: str) -> bool:
        return b in self.actions[a].opposes


def _actions_from(doc: Document) -> ActionCatalogue:
    validate_document(doc, "actions.schema.json", PolicyError, "RULES-E030")
    raw = doc.data["actions"]
    seen: dict[str, int] = {}
    for i, a in enumerate(raw):
        if a["id"] in seen:
            raise PolicyError(f"duplicate action id '{a['id']}' (first at item {seen[a['id']] + 1})",
                              code="RULES-E033", **doc.where(("actions", i, "id")))
        seen[a["id"]] = i
    opposes: dict[str, set[str]] = {a["id"]: set() for a in raw}
    for i, a in enumerate(raw):
        for j, other in enumerate(a.get("opposes") or ()):
            if other not in opposes:
                raise PolicyError(f"'{a['id']}' opposes unknown action '{other}'", code="RULES-E031",
                                  hint=suggest(other, opposes), **doc.where(("actions", i, "opposes", j)))
            opposes[a["id"]].add(other)
            opposes[other].add(a["id"])  # opposition is symmetric
    actions = {}
    for a in raw:
        params = {name: tuple(p["values"]) for name, p in (a.get("params") or {}).items()}
        docs = {name: p["doc"] for name, p in (a.get("params") or {}).items()}
        actions[a["id"]] = Action(a["id"], a["label"], a["doc"], params, docs,
                                  frozenset(opposes[a["id"]]))
    return ActionCatalogue(actions, doc.file)


def load_actions(path: str | Path | None = None) -> ActionCatalogue:
    target = Path(path) if path else policies_dir() / "actions.yaml"
    return _actions_from(load_document(target, display=str(path) if path else "policies/actions.yaml"))


@lru_cache(maxsize=1)
def default_actions() -> ActionCatalogue:
    """The bundled catalogue (loaded once per process; immutable)."""
    return load_actions()
