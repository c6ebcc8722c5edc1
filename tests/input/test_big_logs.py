"""Large inputs (issue 20, point 4; issue 13, point 5): a log over the value
limit is refused at the value over it without the pure-Python reader reading
it all again, with a hint that fits (no alias in sight); memory for a valid
log stays within a stated multiple of its size; the garbage collector is
never turned off, and a read leaves its state as it found it."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine.errors import InputError
from engine.input import yaml_budget, yaml_reader
from engine.input.documents import InputLimits, parse_document

HEAD = "subject: Big\ntimezone: America/New_York\nevents:\n"
EVENT = ("  - {{type: interview, at: 2026-{m:02d}-{d:02d}T10:00, interviewers: [Jane Roe, Sam Poe], "
         "format: video}}\n")

#: Peak memory of reading a valid log, as a multiple of its size in bytes,
#: beyond what the interpreter and the engine hold before (docs/embedding.md
#: states it).
MEMORY_MULTIPLE = 80


def big_log(events: int) -> str:
    return HEAD + "".join(EVENT.format(m=1 + i % 12, d=1 + i % 28) for i in range(events))


@pytest.fixture
def no_reference_reader(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the whole text was read again by the pure-Python reader")
    monkeypatch.setattr(yaml_reader, "_read_reference", refuse)


@pytest.mark.parametrize("events", [600, 12_000])  # under and over PRECOUNT_FROM characters
def test_over_the_value_limit_is_placed_without_a_slow_reread(events, monkeypatch):
    text = big_log(events)
    limits = InputLimits(max_nodes=events * 10 - 5)
    expected = yaml_reader._read_reference  # the reference reader's own verdict
    with pytest.raises(InputError) as reference:
        expected(text, text, "big.yaml", limits)
    monkeypatch.setattr(yaml_reader, "_read_reference",
                        lambda *a, **k: pytest.fail("read again by the pure-Python reader"))
    with pytest.raises(InputError) as fast:
        parse_document(text, "big.yaml", limits=limits)
    err = fast.value
    assert (err.code, err.line, err.column, err.source_line) == \
        (reference.value.code, reference.value.line, reference.value.column, reference.value.source_line)
    assert err.message == reference.value.message == f"more than {limits.max_nodes} values"
    assert "alias" not in (err.hint or "") and "max_nodes" in (err.hint or "")


def test_the_alias_hint_stays_where_there_are_aliases():
    text = "a: &x [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\nb: [*x, *x, *x, *x, *x, *x, *x, *x, *x]\n"
    with pytest.raises(InputError) as info:
        parse_document(text, limits=InputLimits(max_nodes=50))
    assert "alias" in (info.value.hint or "")


def test_the_200000_event_log_is_refused_at_the_value_over_the_limit(tmp_path, no_reference_reader):
    path = tmp_path / "log.yaml"
    path.write_text(big_log(200_000))
    from engine.model.eventlog import load_log
    with pytest.raises(InputError) as info:
        load_log(path)
    assert info.value.code == "RULES-E013" and info.value.line == 181_821
    assert "alias" not in info.value.render()


def test_max_depth_is_one_setting_for_both_readers():
    nested = "a: " + "[" * 30 + "]" * 30 + "\n"
    for libyaml in (True, False):
        saved = yaml_reader._USE_LIBYAML
        yaml_reader._USE_LIBYAML = libyaml
        try:
            with pytest.raises(InputError) as info:
                parse_document(nested, limits=InputLimits(max_depth=20))
            assert "nested deeper than 20 levels" in info.value.message
            assert parse_document(nested, limits=InputLimits(max_depth=40)).data["a"]
        finally:
            yaml_reader._USE_LIBYAML = saved
    with pytest.raises(InputError):
        parse_document('{"a": ' + "[" * 30 + "]" * 30 + "}", json_only=True,
                       limits=InputLimits(max_depth=20))


def test_a_large_read_never_turns_the_collector_off_and_gives_objects_back(monkeypatch):
    seen = []
    freeze = gc.freeze
    monkeypatch.setattr(gc, "freeze", lambda: seen.append(gc.isenabled()) or freeze())
    text = big_log(6_000)
    assert len(text) >= yaml_budget.LARGE_TEXT
    assert len(parse_document(text).data["events"]) == 6_000
    assert seen and all(seen)  # the collector ran all along
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_objects_an_app_froze_stay_frozen():
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        parse_document(big_log(6_000))
        assert gc.get_freeze_count() >= frozen
    finally:
        gc.unfreeze()


def test_a_small_read_leaves_the_collector_alone(monkeypatch):
    monkeypatch.setattr(gc, "freeze", lambda: pytest.fail("froze for a small text"))
    monkeypatch.setattr(gc, "disable", lambda: pytest.fail("turned the collector off"))
    parse_document(big_log(50))


PEAK = """
import json, resource, sys
from engine.model.eventlog import load_log
from engine.model.policies import default_vocabulary
load_log(sys.argv[2], default_vocabulary())  # the engine warmed up on a small log
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
log = load_log(sys.argv[1], default_vocabulary())
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"events": len(log.events), "growth": after - before}))
"""


def test_memory_of_a_valid_log_stays_within_the_stated_multiple(tmp_path):
    path = tmp_path / "log.yaml"
    path.write_text(big_log(20_000))
    size = path.stat().st_size
    small = tmp_path / "small.yaml"
    small.write_text(big_log(5))
    out = subprocess.run([sys.executable, "-c", PEAK, str(path), str(small)], capture_output=True,
                         text=True, timeout=600, check=True)
    result = json.loads(out.stdout)
    assert result["events"] == 20_000
    assert result["growth"] < MEMORY_MULTIPLE * size, (result["growth"] / size)


def test_the_stated_multiple_is_in_the_docs():
    docs = (Path(__file__).resolve().parents[2] / "docs" / "embedding.md").read_text()
    assert f"{MEMORY_MULTIPLE} times" in docs
