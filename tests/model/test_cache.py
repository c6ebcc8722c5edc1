"""The on-disk cache of loaded policies (engine/model/cache.py): a hit gives the
same policies and the same reports as a full load, any change to an input is
a miss, and a cache that is corrupt, foreign or unwritable never breaks a load."""

from __future__ import annotations

import os
import pickle
import shutil
import stat
from datetime import datetime
from pathlib import Path

import pytest

from engine.model import cache as cache_module
from engine.model import policies as policies_module
from engine.model.cache import cache_dir
from engine.errors import PolicyError
from engine.model.eventlog import load_log
from engine.runtime.evaluation import evaluate
from engine.model.policies import load_policies

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
AT = datetime(2026, 11, 23, 9)


def entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.pickle"))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def copy_policies(tmp_path: Path) -> Path:
    target = tmp_path / "policies"
    shutil.copytree(ROOT / "policies", target)
    return target


def test_a_hit_gives_the_same_policies_and_byte_identical_reports(folder, monkeypatch):
    full = load_policies(cache=False)
    load_policies(cache=folder)
    assert [p.name.split("-")[0] for p in entries(folder)] == ["policies", "vocabulary"]
    monkeypatch.setattr(policies_module, "load_policy_file", None)  # a hit calls nothing
    hit = load_policies(cache=folder)
    assert hit.policies == full.policies
    assert [r.when for p in hit for r in p.rules] == [r.when for p in full for r in p.rules]
    for example in EXAMPLES:
        log = load_log(example, full.vocabulary)
        for explain in (False, True):
            assert evaluate(hit, log, AT, explain=explain).to_json() == \
                evaluate(full, log, AT, explain=explain).to_json(), example.name


def test_restored_conditions_are_compiled_code_not_recompiled(folder, monkeypatch):
    load_policies(cache=folder)
    from engine.language import compiler

    def no_compiling(*args, **kwargs):
        raise AssertionError("a condition was compiled again")
    monkeypatch.setattr(compiler, "_build", no_compiling)
    hit = load_policies(cache=folder)
    rule = hit.get("halpin").rules[0]
    assert rule.condition.generated and rule.condition.fn is rule.condition.__call__


def test_a_changed_policy_file_is_a_miss_and_replaces_the_entry(tmp_path, folder):
    root = copy_policies(tmp_path)
    first = load_policies(root, cache=folder)
    before = entries(folder)
    file = root / "hayes" / "1.1.0.yaml"
    text = file.read_text("utf-8")
    rule = first.get("hayes").rules[0]
    file.write_text(text.replace(f"summary: {rule.summary}", "summary: Changed in the test.", 1)
                    if f"summary: {rule.summary}" in text else
                    text.replace(rule.summary, "Changed in the test.", 1), "utf-8")
    second = load_policies(root, cache=folder)
    assert second.get("hayes").rules[0].summary == "Changed in the test."
    assert second.get("hayes").sha256 != first.get("hayes").sha256
    after = entries(folder)
    assert len(after) == len(before) and after != before  # the old entry is gone


def test_the_selection_and_options_are_part_of_the_key(folder):
    everything = load_policies(cache=folder)
    one = load_policies(select=["halpin"], cache=folder)
    assert [p.id for p in one] == ["halpin"] and len(everything) == 5
    assert [p.id for p in load_policies(cache=folder)] == [p.id for p in everything]


def test_a_broken_policy_is_an_error_every_time_never_cached(tmp_path, folder):
    root = copy_policies(tmp_path)
    file = root / "halpin" / "1.1.0.yaml"
    file.write_text(file.read_text("utf-8").replace("when: ", "when: nonsense_fact and ", 1), "utf-8")
    messages = []
    for _ in range(2):
        with pytest.raises(PolicyError) as info:
            load_policies(root, cache=folder)
        messages.append(info.value.render())
    assert "nonsense_fact" in messages[0] and messages[0] == messages[1]
    assert not list(folder.glob("policies-*.pickle"))


@pytest.mark.parametrize("damage", [b"", b"not a pickle", b"\x80\x05K\x01."])
def test_a_corrupt_entry_is_a_miss_not_an_error(folder, damage):
    expected = load_policies(cache=folder)
    [entry] = folder.glob("policies-*.pickle")
    entry.write_bytes(damage)
    assert load_policies(cache=folder).policies == expected.policies
    assert entry.stat().st_size > 1000  # rewritten


def test_a_world_writable_folder_is_neither_read_nor_written(folder, monkeypatch):
    load_policies(cache=folder)
    os.chmod(folder, 0o777)
    written = {e: e.stat().st_mtime_ns for e in entries(folder)}
    calls = []
    original = policies_module.load_policy_file
    monkeypatch.setattr(policies_module, "load_policy_file",
                        lambda *a, **k: calls.append(a) or original(*a, **k))
    load_policies(cache=folder)
    assert len(calls) == 5  # a full load: the entry there was not trusted
    assert {e: e.stat().st_mtime_ns for e in entries(folder)} == written


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root can write to a read-only folder")
def test_an_unwritable_folder_only_costs_the_full_load(folder):
    folder.mkdir()
    os.chmod(folder, stat.S_IRUSR | stat.S_IXUSR)
    try:
        assert len(load_policies(cache=folder)) == 5
        assert entries(folder) == []
    finally:
        os.chmod(folder, 0o700)


def test_off_by_argument_and_by_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("RULES_CACHE_DIR", str(tmp_path / "env"))
    load_policies(cache=False)
    assert not (tmp_path / "env").exists()
    monkeypatch.setenv("RULES_NO_CACHE", "1")
    assert cache_dir() is None and cache_dir(True) == tmp_path / "env"
    load_policies()
    assert not (tmp_path / "env").exists()
    monkeypatch.delenv("RULES_NO_CACHE")
    load_policies()
    assert entries(tmp_path / "env")


def test_the_default_folder_follows_xdg(tmp_path, monkeypatch):
    monkeypatch.delenv("RULES_CACHE_DIR", raising=False)
    monkeypatch.delenv("RULES_NO_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_dir() == tmp_path / "followup-rules"


def test_objects_passed_in_bypass_the_cache(folder, policies):
    load_policies(vocabulary=policies.vocabulary, cache=folder)
    assert not folder.exists()


def test_an_engine_change_is_a_miss(folder, monkeypatch):
    load_policies(cache=folder)
    monkeypatch.setattr(cache_module, "_engine_fingerprint", lambda: b"another engine")
    load_policies(cache=folder)
    assert len(list(folder.glob("policies-*.pickle"))) == 2  # a slot of its own


def test_a_hit_still_pickles_portably(folder):
    """The cache's marshalled code is for the cache only: an ordinary pickle
    of a cached policy set still carries conditions as checked trees."""
    hit = load_policies(cache=folder)
    hit = load_policies(cache=folder)
    data = pickle.dumps(hit)
    assert b"_restore" not in data and pickle.loads(data).policies == hit.policies


def test_the_folder_keeps_a_bounded_number_of_entries(folder, monkeypatch):
    monkeypatch.setattr(cache_module, "MAX_ENTRIES", 3)
    for i in range(5):  # five working directories: five slots
        monkeypatch.setattr(cache_module, "_engine_fingerprint", lambda i=i: f"engine {i}".encode())
        load_policies(select=["hayes"], cache=folder)
    assert len(entries(folder)) == 3


def test_an_entry_others_may_write_to_is_not_read(folder, monkeypatch):
    load_policies(cache=folder)
    [entry] = folder.glob("policies-*.pickle")
    os.chmod(entry, 0o666)
    calls = []
    original = policies_module.load_policy_file
    monkeypatch.setattr(policies_module, "load_policy_file",
                        lambda *a, **k: calls.append(a) or original(*a, **k))
    load_policies(cache=folder)
    assert len(calls) == 5


def test_a_file_changed_during_the_load_is_not_cached(tmp_path, folder, monkeypatch):
    """Regression (review): the key came from the bytes read before the load
    and the value from those read during it; an edit in between stored new
    content under the old key, served again once the file was changed back."""
    root = copy_policies(tmp_path)
    file = root / "hayes" / "1.1.0.yaml"
    original_text = file.read_text("utf-8")
    load_file = policies_module.load_policy_file

    def edited_meanwhile(path, *args, **kwargs):
        if Path(path).name == "1.1.0.yaml" and Path(path).parent.name == "hayes":
            file.write_text(original_text.replace("title: ", "title: EDITED ", 1), "utf-8")
        return load_file(path, *args, **kwargs)

    monkeypatch.setattr(policies_module, "load_policy_file", edited_meanwhile)
    assert load_policies(root, cache=folder).get("hayes").title.startswith("EDITED")
    monkeypatch.setattr(policies_module, "load_policy_file", load_file)
    file.write_text(original_text, "utf-8")
    assert not load_policies(root, cache=folder).get("hayes").title.startswith("EDITED")


def test_an_oversized_policy_file_is_refused_without_being_read(tmp_path, folder, monkeypatch):
    """Regression (review): the cache hashed every input before the loader's
    size check, reading a huge file into memory that the loader refuses
    unread."""
    from engine.errors import InputError
    from engine.input.documents import DEFAULT_INPUT_LIMITS

    root = copy_policies(tmp_path)
    with open(root / "hayes" / "1.1.0.yaml", "r+b") as handle:
        handle.truncate(DEFAULT_INPUT_LIMITS.max_bytes + 1)  # sparse: no disk used
    import tracemalloc

    tracemalloc.start()
    try:
        with pytest.raises(InputError) as info:
            load_policies(root, cache=folder)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert info.value.code == "RULES-E013" and peak < DEFAULT_INPUT_LIMITS.max_bytes // 4
