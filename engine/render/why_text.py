"""``rules explain --why RULE`` in words: one rule's explanation
(:func:`engine.runtime.why.explain_rule`) as text, Markdown or JSON, its
moments shown as a person reads them."""

from __future__ import annotations

import json
from typing import Any

from engine.render.dates import full_text, moment

__all__ = ["render_why"]


def _when(iso: str | None, missing: str) -> str:
    return f"{full_text(moment(iso))} ({iso})" if iso else missing


def render_why(result: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(result, indent=2, ensure_ascii=False) + "\n"
    bullet = "- " if fmt == "markdown" else "  "
    status = {"fires": "APPLIES now", "false": "does not apply now",
              "unknown": "cannot tell now (something it needs is unknown)"}[result["status"]]
    lines = [f"{result['policy']}@{result['version']} · {result['rule']}: {status}",
             f"{bullet}advice: {result['stance']} {result['action']}"
             + (f" ({', '.join(f'{k}: {v}' for k, v in result['params'].items())})" if result["params"] else ""),
             f"{bullet}summary: {result['summary']}",
             f"{bullet}when: {result['when']}"]
    lines += [f"{bullet}  {t}" for t in result["trace"]]
    cut = result.get("search_cut_short_at")
    if "because" in result:
        lines.append(f"{bullet}because: {result['because']}")
        nxt = result.get("next_fires_at")
        none = ("not before " + _when(cut, "")) if cut else "not within the horizon (if nothing else happens)"
        lines.append(f"{bullet}next applies: {_when(nxt, none)}")
    else:
        stop = result.get("stops_at")
        none = ("not before " + _when(cut, "")) if cut else "not within the horizon"
        lines.append(f"{bullet}stops applying: {_when(stop, none)}")
    if cut:
        lines.append(f"{bullet}(the search stopped at {_when(cut, '')}: its budget ran out;"
                     " raise it with --search-budget)")
    grade = f" [{result['grade']}]" if result.get("grade") else ""
    lines.append(f"{bullet}cite: “{result['cite']['quote']}”{grade} — section “{result['cite']['section']}”")
    return "\n".join(lines) + "\n"
