"""The report of one evaluation: plain, immutable data with a stable JSON form
(``to_dict`` validates against ``schemas/report.schema.json``)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Mapping

from engine.model.policies import Stance

__all__ = ["Stance", "Recommendation", "NotFiring", "AdviceGroup", "Conflict", "Consensus", "PolicyInfo",
           "Report", "REPORT_VERSION"]

#: The version of the report's JSON form (schemas/report.schema.json; what
#: changed between versions: docs/embedding.md).
REPORT_VERSION = "2.0"


@dataclass(frozen=True, slots=True)
class PolicyInfo:
    policy: str
    version: str
    title: str
    author: str | None
    file: str
    sha256: str
    rules: int

    def to_dict(self) -> dict[str, Any]:
        d = {"policy": self.policy, "version": self.version, "title": self.title,
             "file": self.file, "sha256": self.sha256, "rules": self.rules}
        if self.author:
            d["author"] = self.author
        return d


@dataclass(frozen=True, slots=True)
class Recommendation:
    """A rule that fired: who recommends what, why, and where it says so."""

    policy: str
    version: str
    rule: str
    action: str
    stance: Stance
    params: Mapping[str, Any]
    summary: str
    section: str
    quote: str
    when: str
    trace: tuple[str, ...] = ()
    facts: Mapping[str, Any] = field(default_factory=dict)
    attributed_to: str | None = None
    grade: str | None = None  # "strong" or "weak", from the article's wording

    def side(self) -> dict[str, Any]:
        return {"policy": self.policy, "version": self.version, "rule": self.rule,
                "stance": self.stance, "params": _params(self.params)}

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "policy": self.policy, "version": self.version, "rule": self.rule,
            "stance": self.stance, "params": _params(self.params), "summary": self.summary,
            "cite": {"section": self.section, "quote": self.quote}, "when": self.when,
            "trace": list(self.trace), "facts": dict(self.facts)}
        if self.attributed_to:
            d["attributed_to"] = self.attributed_to
        if self.grade:
            d["grade"] = self.grade
        return d


def _params(params: Mapping[str, Any]) -> dict[str, Any]:
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in sorted(params.items())}


@dataclass(frozen=True, slots=True)
class NotFiring:
    """Another source's rule on the same action that does not apply now."""

    policy: str
    version: str
    rule: str
    stance: Stance
    status: str                 # "false" or "unknown"
    because: str
    next_fires_at: str | None   # ISO 8601, within the horizon, or None
    summary: str = ""
    #: ISO 8601: the search budget ran out here, before the horizon's end
    #: (``next_fires_at`` None then means "not before this moment")
    search_cut_short_at: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d = {"policy": self.policy, "version": self.version, "rule": self.rule,
             "stance": self.stance, "summary": self.summary, "status": self.status,
             "because": self.because, "next_fires_at": self.next_fires_at}
        if self.search_cut_short_at is not None:
            d["search_cut_short_at"] = self.search_cut_short_at
        return d


@dataclass(frozen=True, slots=True)
class AdviceGroup:
    action: str
    label: str
    recommendations: tuple[Recommendation, ...]
    not_firing: tuple[NotFiring, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "label": self.label,
                "recommendations": [r.to_dict() for r in self.recommendations],
                "not_firing": [n.to_dict() for n in self.not_firing]}


@dataclass(frozen=True, slots=True)
class Conflict:
    """Sources that disagree (docs/disagreements.md): ``opposed`` (do or may
    X vs avoid X or a more general action), ``exclusive`` (do X vs do Y where
    X opposes Y), ``details`` (do X, and no value of ``param`` satisfies
    every side) or ``timing`` (do X in windows that do not start together;
    ``windows`` holds each side's (from, until)). Each side is one source."""

    kind: str
    actions: tuple[str, ...]
    sides: tuple[tuple[Recommendation, ...], ...]
    param: str | None = None
    common: tuple[str, ...] = ()  # details: values every side accepts (none: else no conflict)
    windows: tuple[tuple[str, str | None], ...] = ()  # timing: (from, until) per side
    labels: tuple[str, ...] = ()  # the actions' labels, in the order of ``actions``

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"kind": self.kind, "actions": list(self.actions),
                             "sides": [[r.side() for r in side] for side in self.sides]}
        if self.labels:
            d["labels"] = list(self.labels)
        if self.param:
            d["param"] = self.param
            d["common"] = list(self.common)
        if self.windows:
            d["windows"] = [{"from": a, "until": b} for a, b in self.windows]
        return d


@dataclass(frozen=True, slots=True)
class Consensus:
    """Where every source stands on one advised action: ``for`` (do),
    ``optional`` (may), ``against`` (avoid it or a more general action),
    ``later`` (a rule of theirs would recommend it within the horizon:
    (policy, rule, when)), ``silent``; ``satisfied_by``: per parameter, the
    values that satisfy every source for it (empty: none does)."""

    action: str
    pro: tuple[str, ...]
    optional: tuple[str, ...]
    against: tuple[str, ...]
    later: tuple[tuple[str, str, str], ...]
    silent: tuple[str, ...]
    satisfied_by: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "for": list(self.pro), "optional": list(self.optional),
                "against": list(self.against),
                "later": [{"policy": p, "rule": r, "at": at} for p, r, at in self.later],
                "silent": list(self.silent),
                "satisfied_by": {k: list(v) for k, v in sorted(self.satisfied_by.items())}}


@dataclass(frozen=True, slots=True)
class Report:
    """Everything one evaluation found. ``to_json()`` is byte-identical for
    the same inputs."""

    at: str
    timezone: str
    subject: str | None
    log: str | None
    policies: tuple[PolicyInfo, ...]
    situation: Mapping[str, Any]
    advice: tuple[AdviceGroup, ...]
    conflicts: tuple[Conflict, ...]
    horizon_days: int
    engine: str
    #: The next moment, within the horizon, at which any advice starts or
    #: stops if nothing else happens (no new event), ISO 8601; None if none.
    next_change_at: str | None = None
    #: events of the log after ``at``: left out of this evaluation
    events_after: int = 0
    consensus: tuple[Consensus, ...] = ()

    def recommendations(self) -> list[Recommendation]:
        return [r for group in self.advice for r in group.recommendations]

    def fired(self) -> dict[tuple[str, str], str]:
        """``{(policy, rule): stance}`` of every rule that fired."""
        return {(r.policy, r.rule): r.stance for r in self.recommendations()}

    def to_dict(self) -> dict[str, Any]:
        return {
            "engine": self.engine,
            "report_version": REPORT_VERSION,
            "at": self.at,
            "timezone": self.timezone,
            "subject": self.subject,
            "log": self.log,
            "horizon_days": self.horizon_days,
            "next_change_at": self.next_change_at,
            "events_after": self.events_after,
            "policies": [p.to_dict() for p in self.policies],
            "situation": dict(self.situation),
            "conflicts": [c.to_dict() for c in self.conflicts],
            "consensus": [c.to_dict() for c in self.consensus],
            "advice": [a.to_dict() for a in self.advice],
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False,
                          separators=(",", ": ") if indent else (",", ":"))
