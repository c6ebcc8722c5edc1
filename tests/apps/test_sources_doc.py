"""docs/sources.md maps every advice item to a rule: every rule of every
policy is named in its article's section, and every rule id named there exists."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "sources.md"


def sections() -> dict[str, str]:
    text = DOC.read_text("utf-8")
    text = text.split("\n## Changelog")[0]  # the per-article inventories come first
    parts = re.split(r"^## ([a-z-]+) — .*$", text, flags=re.M)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts), 2)}


def test_every_rule_is_in_the_inventory(policies):
    by_policy = sections()
    assert set(by_policy) == {p.id for p in policies}
    for p in policies:
        named = set(re.findall(r"`([a-z0-9-]+)`", by_policy[p.id]))
        missing = {r.id for r in p.rules} - named
        assert not missing, f"{p.id}: rules not in docs/sources.md: {sorted(missing)}"


def test_inventory_names_no_unknown_rule(policies):
    from engine.model.policies import load_policy_file, policy_files
    from engine.base.resources import policies_dir

    for pid, body in sections().items():
        ids = {r.id for f in policy_files(policies_dir())[pid].values()
               for r in load_policy_file(f).rules}  # any version (the changelog names removed rules)
        named = {n for n in re.findall(r"`([a-z0-9]+(?:-[a-z0-9]+)+)`", body) if n not in ids}
        # hyphenated names in backticks are rule ids; anything else must be a known rule
        assert not named, f"{pid}: unknown rule ids in docs/sources.md: {sorted(named)}"
