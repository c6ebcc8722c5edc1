"""``rules fmt`` (engine.apps.fmt): every bundled file is in canonical form;
formatting is idempotent, keeps comments and keeps the meaning (the policy
loads to the same rules) whatever the key order, quoting and condition
spacing it starts from."""

from __future__ import annotations

import io
import random
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, SingleQuotedScalarString

from engine.apps.fmt import canonical_condition, format_text
from engine.cli import main
from engine.language.parser import parse
from engine.language.printer import to_text
from engine.model.policies import load_policy_file

from examples import ROOT

POLICY_FILES = sorted((ROOT / "policies").glob("*/*.yaml"))
OTHER_FILES = [ROOT / "policies" / "actions.yaml", ROOT / "policies" / "vocabulary.yaml",
               *sorted((ROOT / "tests" / "scenarios").glob("*.yaml"))]


@pytest.fixture(autouse=True)
def at_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def test_fmt_check_passes_on_every_bundled_file(capsys):
    assert main(["fmt", "--check"]) == 0
    assert "all files in canonical form" in capsys.readouterr().out


@pytest.mark.parametrize("path", POLICY_FILES + OTHER_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_bundled_files_are_fixed_points(path):
    text = path.read_text("utf-8")
    assert format_text(text, str(path))[0] == text


def test_check_fails_and_fmt_fixes(tmp_path, capsys):
    folder = tmp_path / "hayes"
    folder.mkdir()
    file = folder / "1.0.0.yaml"
    source = (ROOT / "policies" / "hayes" / "1.0.0.yaml").read_text("utf-8")
    file.write_text(source.replace("    then: {action: send_thank_you, stance: do}\n",
                                   "    then: {stance: do, action: 'send_thank_you'}\n", 1)
                    .replace("not thank_you_sent and", "not   thank_you_sent and (", 1)
                    .replace('outcome == "pending"\n', 'outcome == "pending")\n', 1))
    assert main(["fmt", "--check", "--diff", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "would reformat" in out and "+    then: {action: send_thank_you, stance: do}" in out
    assert main(["fmt", str(tmp_path)]) == 0
    assert file.read_text("utf-8") == source
    assert main(["fmt", "--check", str(tmp_path)]) == 0


def test_comments_and_the_schema_line_are_kept():
    text = ("# yaml-language-server: $schema=../../schemas/policy.schema.json\n"
            + (ROOT / "policies" / "hayes" / "1.0.0.yaml").read_text("utf-8").split("\n", 1)[1]
            .replace("rules:\n", "rules:\n  # the first rule\n", 1)
            .replace("stance: do}\n", "stance: do}  # strongly worded\n", 1))
    out = format_text(text)[0]
    assert out.startswith("# yaml-language-server:")
    assert "# the first rule" in out and "# strongly worded" in out


def test_a_condition_that_does_not_parse_is_left_alone():
    assert canonical_condition("a =< b") == "a =< b"
    assert canonical_condition("(a)   and  b") == "a and b"


def test_a_file_fmt_does_not_know_is_skipped_and_named(tmp_path, capsys):
    other = tmp_path / "x.yaml"
    other.write_text("hello:   world\n")
    assert main(["fmt", "--check", str(other)]) == 0  # pre-commit passes every changed YAML file
    assert f"skipped {other}" in capsys.readouterr().out
    assert other.read_text() == "hello:   world\n"


# -- the property --------------------------------------------------------------------

def _scramble(text: str, rng: random.Random) -> str:
    """The same policy written differently: keys shuffled, strings re-quoted,
    conditions re-spaced and parenthesised, a comment added."""
    yaml = YAML()
    yaml.width = 4096
    data = yaml.load(text)

    def shuffle(mapping):
        keys = list(mapping)
        rng.shuffle(keys)
        for k in keys:
            mapping.move_to_end(k)

    def requote(mapping):
        for k, v in list(mapping.items()):
            if isinstance(v, str) and "\n" not in v:
                styles = [SingleQuotedScalarString, DoubleQuotedScalarString]
                if re.fullmatch(r"[A-Za-z][A-Za-z0-9 _.-]*", v):
                    styles.append(str)  # plain only where any writer may (ruamel writes "…?" plain)
                style = rng.choice(styles)
                mapping[k] = style(str(v))

    for rule in data["rules"]:
        shuffle(rule)
        for part in ("then", "cite"):
            shuffle(rule[part])
            requote(rule[part])
        when = str(rule["when"])
        when = re.sub(r" (and|or) ", lambda m: " " * rng.randint(1, 3) + m.group(1) + " " * rng.randint(1, 3), when)
        if rng.random() < 0.5:
            when = f"({when})"
        rule["when"] = DoubleQuotedScalarString(when) if rng.random() < 0.3 else when
    shuffle(data)
    requote(data)
    out = io.StringIO()
    yaml.dump(data, out)
    return "# scrambled\n" + out.getvalue()


def _load(text: str, pid: str, version: str):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / pid
        folder.mkdir()
        (folder / f"{version}.yaml").write_text(text, "utf-8")
        policy = load_policy_file(folder / f"{version}.yaml")
    return [(r.id, to_text(parse(r.when)), r.action, r.stance, dict(r.params), r.section, r.quote,
             r.summary, r.attributed_to) for r in policy.rules], (policy.id, policy.version, policy.title,
                                                                   dict(policy.source), policy.requires)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(POLICY_FILES), st.integers(0, 2**32 - 1))
def test_fmt_is_idempotent_and_keeps_the_meaning(path, seed):
    original = path.read_text("utf-8")
    scrambled = _scramble(original, random.Random(seed))
    once = format_text(scrambled)[0]
    assert format_text(once)[0] == once
    pid, version = path.parent.name, path.stem
    assert _load(once, pid, version) == _load(scrambled, pid, version) == _load(original, pid, version)
    assert "# scrambled" in once
