"""Every cite.quote appears verbatim in its article and every cite.section is
one of its headings (after folding whitespace and typographic quotes)."""

from __future__ import annotations

import pytest

from engine.apps.citations import check_citations, fold

from pathlib import Path

#: ../shared/seeds beside the checkout (CI), or beside the folder of worktrees
SEEDS = next((p / "shared" / "seeds" for p in Path(__file__).resolve().parents[3:5]
              if (p / "shared" / "seeds").is_dir()), Path(__file__).resolve().parents[3] / "shared" / "seeds")


@pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is not present beside the checkout")
def test_all_citations_are_verbatim(policies):
    errors = check_citations(policies.policies, SEEDS)
    assert errors == [], "\n".join(e.render() for e in errors)


@pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is not present beside the checkout")
def test_a_paraphrased_quote_is_caught(policies):
    from dataclasses import replace
    policy = policies.get("hayes")
    bad_rule = replace(policy.rules[0], quote="always write a thank-you letter within an hour")
    bad = replace(policy, rules=(bad_rule,))
    errors = check_citations([bad], SEEDS)
    assert len(errors) == 1 and "quote not found" in errors[0].message


def test_fold_normalises_quotes_and_space():
    assert fold("It’s  “fine”\n now") == 'It\'s "fine" now'


def test_quotes_are_short(policies):
    for policy in policies.policies:
        for rule in policy.rules:
            assert len(rule.quote.split()) <= 25, (policy.id, rule.id)


def test_summaries_are_our_words(policies):
    for policy in policies.policies:
        for rule in policy.rules:
            assert fold(rule.summary) != fold(rule.quote), (policy.id, rule.id)

