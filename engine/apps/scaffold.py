"""``rules new`` and ``rules bump``: a new policy (file with its schema line,
a first rule, a scenario file) and a new version of one (copied from the
latest, with ``version`` and a ``changes`` entry to fill in; the version it
starts from is locked as released)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from engine.apps.releases import lock_versions, next_version
from engine.base.resources import schema_reference
from engine.errors import UsageError
from engine.model.folders import policy_files

__all__ = ["new_policy", "bump_policy", "POLICY_ID"]

POLICY_ID = re.compile(r"[a-z0-9][a-z0-9_-]*")

_POLICY = """\
# yaml-language-server: $schema={schema}
policy: {pid}
version: 1.0.0
title: {title}
source: {{author: {author}, published: {published}, document: {document}}}
requires: ">=1.0"
changes: [{{version: 1.0.0, summary: First version from the article.}}]
rules:
  # One rule per piece of actionable advice in the article. `summary` is in
  # your own words; `cite.quote` a short phrase copied exactly from it.
  - id: send-thank-you
    summary: Send a thank-you note on the day of the interview.
    when: exists(interview) and not thank_you_sent and days_since(interview) == 0
    then: {{action: send_thank_you, stance: do}}
    cite: {{section: "TODO: a heading of the article", quote: "TODO: the sentence that says so"}}
"""

_SCENARIOS = """\
# yaml-language-server: $schema={schema}
# Scenario tests for {pid}: run them with `rules test {path}`.
policy: {pid}
scenarios:
  - name: on the day of the interview, no thank-you yet
    at: 2026-11-16T15:00
    log:
      timezone: America/New_York
      events:
        - {{type: interview, at: 2026-11-16T10:00, interviewers: [Jane Roe], format: video}}
    expect:
      send-thank-you: do

  - name: the thank-you went out
    at: 2026-11-16T18:00
    log:
      timezone: America/New_York
      events:
        - {{type: interview, at: 2026-11-16T10:00, interviewers: [Jane Roe], format: video}}
        - {{type: thank_you_sent, at: 2026-11-16T16:30, to: Jane Roe, channel: email}}
    expect:
      send-thank-you: none
"""


def _quote(text: str) -> str:
    """A YAML flow scalar for ``text`` (double-quoted when it needs to be)."""
    import json
    plain = re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 ._'()-]*", text) is not None and not text.endswith(" ")
    return text if plain else json.dumps(text, ensure_ascii=False)


def new_policy(root: Path, pid: str, *, title: str, document: str, author: str = "TODO",
               scenarios: Path | None = None) -> list[Path]:
    """Create ``root/pid/1.0.0.yaml`` (and a scenario file); return what was written."""
    from engine.base.files import atomic_write_text

    if not POLICY_ID.fullmatch(pid):
        raise UsageError(f"'{pid}' is not a policy id", hint="lower-case letters, digits, '-' and '_', "
                         "e.g. patient-follow-up")
    if "/" in document or "\\" in document or document.startswith("."):
        raise UsageError(f"--document '{document}' is not a file name",
                         hint="the article's file name in the seeds folder, without a folder")
    existing = policy_files(root).get(pid) if root.is_dir() else None
    if existing:
        raise UsageError(f"policy '{pid}' already exists ({', '.join(sorted(existing))})",
                         hint=f"make a new version with `rules bump {pid}`")
    target = root / pid / "1.0.0.yaml"
    target.parent.mkdir(parents=True, exist_ok=True)
    text = _POLICY.format(schema=schema_reference(target, "policy.schema.json"), pid=pid,
                          title=_quote(title), author=_quote(author), document=_quote(document),
                          published=date.today().isoformat())
    written = [target]
    atomic_write_text(target, text)
    if scenarios is not None:
        scenarios.mkdir(parents=True, exist_ok=True)
        file = scenarios / f"{pid}.yaml"
        if file.exists():
            raise UsageError(f"{file} already exists", hint="pass another --scenarios folder")
        atomic_write_text(file, _SCENARIOS.format(schema=schema_reference(file, "scenarios.schema.json"),
                                                  pid=pid, path=file))
        written.append(file)
    return written


def bump_policy(root: Path, pid: str, part: str = "minor", summary: str | None = None) -> tuple[Path, str]:
    """Copy the latest version of ``pid`` to the next ``part`` version, with
    ``version`` set and a ``changes`` entry to fill in; lock the latest as
    released. Returns the new file and the version it was made from."""
    from ruamel.yaml import YAML

    from engine.base.files import atomic_write_text
    from engine.base.suggestions import suggest

    files = policy_files(root)
    versions = files.get(pid)
    if not versions:
        raise UsageError(f"no policy '{pid}' in {root}", hint=suggest(pid, files) or
                         f"policies: {', '.join(sorted(files)) or 'none'}")
    from engine.model.policies import parse_version
    latest = max(versions, key=parse_version)
    new = next_version(list(versions), part)
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    source = versions[latest]
    data = yaml.load(source.read_text("utf-8"))
    data["version"] = new
    entry = {"version": new, "summary": summary or "TODO: what changed, and why"}
    changes = data.get("changes")
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    item = CommentedMap(entry)
    item.fa.set_flow_style()
    if isinstance(changes, CommentedSeq):
        changes.append(item)
    else:
        data["changes"] = [entry]
    import io
    out = io.StringIO()
    yaml.dump(data, out)
    target = source.with_name(f"{new}.yaml")
    lock_versions(root, [f"{pid}@{latest}"])
    atomic_write_text(target, out.getvalue())
    return target, latest
