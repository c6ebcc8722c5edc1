"""docs/vocabulary.md is generated from the vocabulary and must stay in step."""

from __future__ import annotations

import re
from pathlib import Path

from engine.model.policies import default_vocabulary, load_policies
from engine.apps.vocabulary_docs import main, render

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "vocabulary.md"
SALES = Path(__file__).resolve().parents[1] / "data" / "sales"


def test_docs_vocabulary_md_is_up_to_date():
    assert PAGE.is_file(), "docs/vocabulary.md is missing: run python -m engine.apps.vocabulary_docs"
    assert PAGE.read_text("utf-8") == render(default_vocabulary()), (
        "docs/vocabulary.md is out of date: run python -m engine.apps.vocabulary_docs")


def _section(page: str, heading: str) -> str:
    return page.split(f"{heading}\n", 1)[1].split("\n#", 1)[0]


def _rows(text: str) -> dict[str, str]:
    return {m.group(1): line for line in text.splitlines() if (m := re.match(r"\| `(\w+)` \|", line))}


def test_everything_is_documented():
    vocab = default_vocabulary()
    page = render(vocab)
    for spec in vocab.event_type_specs.values():
        section = _section(page, f"### `{spec.name}`")
        assert section.startswith(f"\n{spec.doc}\n")
        rows = _rows(section)
        assert list(rows) == list(spec.fields)
        for field in spec.fields.values():
            assert field.doc in rows[field.name]
            for value in field.values or ():
                assert f"`{value}`" in rows[field.name]
    facts = _rows(_section(page, "## Facts"))
    assert list(facts) == list(vocab.facts)
    for fact in vocab.facts.values():
        assert facts[fact.name].startswith(f"| `{fact.name}` | {fact.type} | {fact.doc} |")
        assert (fact.expr or fact.function) in facts[fact.name]
    for fn in vocab.functions.values():
        section = _section(page, f"### `{fn.name}`")
        assert f"`{fn.signature()}`" in section and fn.doc in section
        assert f"Example: `{fn.example}`" in section


def test_defaults_required_and_clock():
    page = render(default_vocabulary())
    interview = _rows(_section(page, "### `interview`"))
    assert "| `false` |" in interview["asked_next_steps"]    # a default
    assert "| required |" in interview["interviewers"]
    assert "at least 1" in interview["interviewers"]
    assert "| `check_in` |" in _rows(_section(page, "### `follow_up_sent`"))["kind"]
    assert "a single name is accepted" in _rows(_section(page, "### `thank_you_sent`"))["to"]
    facts = _rows(_section(page, "## Facts"))
    assert facts["now"].endswith("| yes |")                 # changes with the clock
    assert facts["deadline"].endswith("|  |")


def test_the_page_is_markdown_without_runnable_blocks():
    page = render(default_vocabulary())
    assert page.startswith("# Vocabulary reference: followup 1.1.0\n")
    assert page.endswith("\n") and not page.endswith("\n\n")
    assert "```" not in page  # docs/*.md code blocks are run by test_docs.py
    for line in page.splitlines():
        if line.startswith("|"):
            assert line.endswith("|") and line.count("|") - line.count("\\|") in (6,), line


def test_another_vocabulary_renders(tmp_path):
    vocab = load_policies(SALES).vocabulary
    page = render(vocab)
    assert page.startswith("# Vocabulary reference: sales 1.0.0\n")
    assert "### `quote_sent`" in page and "| `quote_pending` | bool |" in page
    assert "number" in page


def test_main_writes_and_checks(tmp_path, capsys):
    target = tmp_path / "out" / "vocabulary.md"
    assert main([str(target), "--check"]) == 1
    assert main([str(target)]) == 0
    assert target.read_text("utf-8") == render(default_vocabulary())
    assert main([str(target), "--check"]) == 0
    target.write_text(target.read_text("utf-8") + "edited\n", "utf-8")
    assert main([str(target), "--check"]) == 1
    assert "out of date" in capsys.readouterr().err
    sales = tmp_path / "sales.md"
    assert main([str(sales), "--vocabulary", str(SALES / "vocabulary.yaml")]) == 0
    assert "sales 1.0.0" in sales.read_text("utf-8")
    assert main([str(sales), "--vocabulary", str(tmp_path / "missing.yaml")]) == 2
    assert "RULES-E051" in capsys.readouterr().err
