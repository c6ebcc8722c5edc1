"""``rules diff`` output: text (80 columns), Markdown, JSON."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from engine.apps.diff import Advice, Difference, PolicyDiff, RuleChange

__all__ = ["render_diff", "diff_dict", "days_text"]

_SHOWN_LOGS = 3


def _advice(a: Advice | None) -> str:
    if a is None:
        return "nothing"
    action, stance, params = a
    extra = ", ".join(f"{k}={'/'.join(v) if isinstance(v, tuple) else v}" for k, v in params)
    return f"{stance} {action}" + (f" ({extra})" if extra else "")


def days_text(moments: list[str]) -> str:
    """``2026-11-18 – 2026-11-21, 2026-11-25``: the days, as runs."""
    days = sorted({date.fromisoformat(m[:10]) for m in moments})
    runs: list[list[date]] = []
    for d in days:
        if runs and (d - runs[-1][-1]).days == 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    return ", ".join(r[0].isoformat() if len(r) == 1 else f"{r[0]} – {r[-1]}" for r in runs)


def _field(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}={'/'.join(v) if isinstance(v, (list, tuple)) else v}"
                         for k, v in value.items()) or "(none)"
    return "(none)" if value is None else str(value)


def _rule_lines(change: RuleChange) -> list[str]:
    if change.kind == "added":
        new = {k: v[1] for k, v in change.fields.items()}
        return [f"+ {change.rule}: {new['stance']} {new['action']}", f"    when {new['when']}"]
    if change.kind == "removed":
        old = {k: v[0] for k, v in change.fields.items()}
        return [f"- {change.rule}: {old['stance']} {old['action']}", f"    when {old['when']}"]
    lines = [f"~ {change.rule}"]
    for name, (a, b) in change.fields.items():
        if name == "when":
            lines.append("    when (old): " + str(a))
            lines.append("    when (new): " + str(b))
            lines += [f"      - {c}" for c in change.clauses_removed]
            lines += [f"      + {c}" for c in change.clauses_added]
        else:
            lines.append(f"    {name}: {_field(a)} → {_field(b)}")
    return lines


def _effect_lines(d: Difference) -> list[str]:
    head = {"appears": f"+ {d.rule}: now advises {_advice(d.new)}",
            "disappears": f"- {d.rule}: no longer advises {_advice(d.old)}",
            "changes": f"~ {d.rule}: {_advice(d.old)} → {_advice(d.new)}"}[d.kind]
    lines = [f"{head} — {d.count} moment(s) on {len(d.where)} log(s)"]
    for name, when in list(d.where.items())[:_SHOWN_LOGS]:
        lines.append(f"    {name}: {days_text(when)}")
    if len(d.where) > _SHOWN_LOGS:
        lines.append(f"    … and {len(d.where) - _SHOWN_LOGS} more log(s)")
    return lines


def _text(result: PolicyDiff) -> str:
    old, new = result.old, result.new
    lines = [f"{old.id} {old.version} → {new.version}"]
    for name, (a, b) in result.header.items():
        if name != "version":
            lines.append(f"  {name}: {_field(a)} → {_field(b)}")
    counts = {k: sum(1 for c in result.rules if c.kind == k) for k in ("added", "removed", "changed")}
    lines += ["", f"Rules: {counts['added']} added, {counts['removed']} removed, "
                  f"{counts['changed']} changed"]
    for change in result.rules:
        lines += _rule_lines(change)
    lines += ["", f"Effect over {result.logs} logs at {result.moments} moments:"]
    if not result.effects:
        lines.append("  no advice appears, disappears or changes")
    for d in result.effects:
        lines += ["  " + ln for ln in _effect_lines(d)]
    return "\n".join(lines) + "\n"


def _markdown(result: PolicyDiff) -> str:
    old, new = result.old, result.new
    out = [f"### {old.id} {old.version} → {new.version}", ""]
    if result.rules:
        out += ["| rule | change | details |", "|---|---|---|"]
        for c in result.rules:
            details = "<br>".join(ln.strip().replace("|", "\\|") for ln in _rule_lines(c)[1:])
            out.append(f"| `{c.rule}` | {c.kind} | {details} |")
    else:
        out.append("No rule changed.")
    out += ["", f"Effect over {result.logs} logs at {result.moments} moments:", ""]
    if not result.effects:
        out.append("- no advice appears, disappears or changes")
    for d in result.effects:
        first, *rest = _effect_lines(d)
        out.append(f"- **{d.kind}** {first[2:]}")
        out += [f"  - {ln.strip()}" for ln in rest]
    return "\n".join(out) + "\n"


def diff_dict(result: PolicyDiff) -> dict[str, Any]:
    def adv(a: Advice | None) -> Any:
        return None if a is None else {"action": a[0], "stance": a[1], "params": dict(a[2])}

    return {
        "policy": result.old.id, "old": result.old.version, "new": result.new.version,
        "header": {k: {"old": a, "new": b} for k, (a, b) in result.header.items()},
        "rules": [{"rule": c.rule, "kind": c.kind,
                   "fields": {k: {"old": a, "new": b} for k, (a, b) in c.fields.items()},
                   "clauses_removed": list(c.clauses_removed), "clauses_added": list(c.clauses_added)}
                  for c in result.rules],
        "replay": {"logs": result.logs, "moments": result.moments},
        "effects": [{"rule": d.rule, "kind": d.kind, "old": adv(d.old), "new": adv(d.new),
                     "count": d.count, "logs": d.where} for d in result.effects],
    }


def render_diff(result: PolicyDiff, fmt: str = "text") -> str:
    if fmt == "json":
        return json.dumps(diff_dict(result), indent=2, ensure_ascii=False, default=list) + "\n"
    if fmt == "markdown":
        return _markdown(result)
    return _text(result)
