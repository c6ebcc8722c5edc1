"""The disagreement atlas as text (80 columns), JSON and a self-contained
HTML matrix (sources × sources; each cell lists its actions and witnesses)."""

from __future__ import annotations

import json
import textwrap
from html import escape
from itertools import combinations

from engine.apps.atlas import Atlas, Witness
from engine.render.common import when_text

__all__ = ["render_atlas", "witness_lines"]

_KIND_WORDS = {"opposed": "do or may against avoid", "exclusive": "actions that exclude each other",
               "details": "no value satisfies both", "timing": "same advice, different moments"}


def _wrap(text: str, first: str, rest: str) -> list[str]:
    return textwrap.wrap(text, 78, initial_indent=first, subsequent_indent=rest, break_on_hyphens=False)


def _value(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return "[" + ", ".join(map(str, v)) + "]"
    return str(v)


def witness_lines(w: Witness) -> list[str]:
    """The witness in words: the moment, then the log's events."""
    lines = [f"at {when_text(w.at)}, after:"]
    for e in w.log["events"]:
        fields = ", ".join(f"{k}: {_value(v)}" for k, v in e.items() if k not in ("type", "at"))
        lines.append(f"  {e['at'].replace('T', ' ')} {e['type']}" + (f" ({fields})" if fields else ""))
    return lines


def _text(atlas: Atlas) -> str:
    out = [f"Disagreement atlas: {len(atlas.policies)} sources, {atlas.logs} generated logs, "
           f"{atlas.moments} moments searched", ""]
    width = max(len(p) for p in atlas.policies) if atlas.policies else 0
    out.append("PAIRS")
    for a, b in combinations(atlas.policies, 2):
        found = atlas.pair(a, b)
        actions = sorted({x for w in found for x in w.actions})
        head = f"  {a:<{width}}  {b:<{width}}  {len(found):>2}  "
        out += _wrap(head + (", ".join(actions) or "—"), "", " " * len(head))
    for a, b in combinations(atlas.policies, 2):
        found = atlas.pair(a, b)
        if not found:
            continue
        out += ["", f"{a} × {b}"]
        for w in found:
            head = f"· {w.kind} on {' / '.join(w.actions)} ({_KIND_WORDS.get(w.kind, w.kind)}): " \
                   f"{a} {', '.join(w.rules[0])} against {b} {', '.join(w.rules[1])}"
            out += _wrap(head, "  ", "    ")
            for line in witness_lines(w):
                out += _wrap(line, "    ", "        ")
    if atlas.never_fired or atlas.shadowed:
        out += ["", "RULES"]
        lines = [f"{p}: {r} fires in none of the searched situations" for p, r in atlas.never_fired]
        lines += [f"{p}: {r} only ever fires together with {by}, the same advice"
                  for p, r, by in atlas.shadowed]
        for line in lines:
            out += _wrap(line, "  ", "    ")
    return "\n".join(out) + "\n"


_CSS = """body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:78rem;padding:0 1rem;color:#1f2937}
table{border-collapse:collapse}th,td{border:1px solid #d1d5db;padding:.35rem .5rem;vertical-align:top}
th{background:#f3f4f6;text-align:left}td.none{color:#9ca3af;text-align:center}td.diag{background:#f9fafb}
td.some{background:#fff7ed}.n{font-weight:700;font-size:1.1rem}.kind{font-size:.8rem;color:#92400e}
details{margin:.2rem 0}summary{cursor:pointer}
pre{font-size:.78rem;background:#f9fafb;padding:.4rem;margin:.2rem 0;white-space:pre-wrap}
"""


def _html(atlas: Atlas) -> str:
    parts = ["<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">",
             "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
             f"<title>Disagreement atlas</title><style>{_CSS}</style></head><body>",
             "<h1>Where the sources can disagree</h1>",
             f"<p>{len(atlas.policies)} sources; {atlas.logs} generated event logs and {atlas.moments} "
             "moments searched. Each cell: the actions two sources can disagree on, with a witness "
             "(a log and a moment at which <code>rules explain</code> reports it).</p>",
             "<table><thead><tr><th></th>"]
    parts += [f"<th>{escape(p)}</th>" for p in atlas.policies]
    parts.append("</tr></thead><tbody>")
    for i, a in enumerate(atlas.policies):
        parts.append(f"<tr><th>{escape(a)}</th>")
        for j, b in enumerate(atlas.policies):
            if i == j:
                parts.append('<td class="diag"></td>')
                continue
            found = atlas.pair(a, b)
            if not found:
                parts.append('<td class="none">—</td>')
                continue
            cell = [f'<td class="some"><span class="n">{len(found)}</span>']
            for w in found:
                mine, theirs = (w.rules[0], w.rules[1]) if w.policies[0] == a else (w.rules[1], w.rules[0])
                cell.append(f"<details><summary>{escape(' / '.join(w.actions))} "
                            f"<span class=\"kind\">{escape(w.kind)}</span></summary>"
                            f"<div>{escape(a)}: {escape(', '.join(mine))}<br>{escape(b)}: "
                            f"{escape(', '.join(theirs))}</div>"
                            f"<pre>{escape(chr(10).join(witness_lines(w)))}</pre></details>")
            cell.append("</td>")
            parts.append("".join(cell))
        parts.append("</tr>")
    parts.append("</tbody></table>")
    if atlas.never_fired or atlas.shadowed:
        parts.append("<h2>Rules</h2><ul>")
        parts += [f"<li><strong>{escape(p)}</strong>: <code>{escape(r)}</code> fires in none of the "
                  "searched situations</li>" for p, r in atlas.never_fired]
        parts += [f"<li><strong>{escape(p)}</strong>: <code>{escape(r)}</code> only ever fires together "
                  f"with <code>{escape(by)}</code>, the same advice</li>" for p, r, by in atlas.shadowed]
        parts.append("</ul>")
    parts.append("</body></html>\n")
    return "".join(parts)


def render_atlas(atlas: Atlas, fmt: str = "text") -> str:
    if fmt == "json":
        return json.dumps(atlas.to_dict(), indent=2, ensure_ascii=False) + "\n"
    if fmt == "html":
        return _html(atlas)
    return _text(atlas)
