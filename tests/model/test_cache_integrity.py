"""Cache entries are sealed with a keyed hash (issue 20, point 6): a damaged
entry is never unpickled, it is deleted and built again; the key is the
user's own (mode 0600); temporary files a killed write left are removed; no
home at all only turns the cache off."""

from __future__ import annotations

import os
import random
import stat
import time
from datetime import datetime
from pathlib import Path

import pytest

from engine.model import cache as cache_module
from engine.model.cache import KEY_FILE, cache_dir
from engine.model.eventlog import load_log
from engine.model.policies import load_policies
from engine.runtime.evaluation import evaluate

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
AT = datetime(2026, 11, 23, 9)

#: Bit flips tried on each kind of entry (issue 20 asks for at least 300).
TRIALS = 320


def reports(policies) -> list[str]:
    return [evaluate(policies, load_log(e, policies.vocabulary), AT, explain=True).to_json()
            for e in EXAMPLES[:3]]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def test_the_key_is_private_and_entries_are_sealed(folder):
    load_policies(cache=folder)
    key = folder / KEY_FILE
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and key.stat().st_size == 32
    for entry in folder.glob("*.pickle"):
        assert entry.read_bytes().startswith(b"followup-rules cache 2\n")


@pytest.mark.parametrize("kind", ["policies", "vocabulary"])
def test_no_bit_flip_is_ever_unpickled(folder, kind, monkeypatch):
    """Every single-bit flip of an entry is caught before unpickling: the
    entry is refused and deleted (the load then builds and stores anew)."""
    load_policies(cache=folder)
    [entry] = folder.glob(f"{kind}-*.pickle")
    good = entry.read_bytes()
    unpickled = []
    real_loads = cache_module.pickle.loads
    monkeypatch.setattr(cache_module.pickle, "loads", lambda data: unpickled.append(1) or real_loads(data))
    rng = random.Random(20)
    expect = type(cache_module._read_entry(entry, object))  # the intact entry reads back
    assert unpickled == [1]
    unpickled.clear()
    for _ in range(TRIALS):
        bit = rng.randrange(len(good) * 8)
        damaged = bytearray(good)
        damaged[bit // 8] ^= 1 << (bit % 8)
        entry.write_bytes(bytes(damaged))
        assert cache_module._read_entry(entry, expect) is None
        assert not entry.exists()  # deleted
    assert unpickled == []


def test_bit_flips_end_to_end_give_the_same_reports(folder):
    """Loads through a damaged entry: every report byte-identical to a load
    without the cache, no exception, and the entry rebuilt."""
    expected = reports(load_policies(cache=False))
    load_policies(cache=folder)
    [entry] = folder.glob("policies-*.pickle")
    good = entry.read_bytes()
    rng = random.Random(6)
    for _ in range(12):
        bit = rng.randrange(len(good) * 8)
        damaged = bytearray(good)
        damaged[bit // 8] ^= 1 << (bit % 8)
        entry.write_bytes(bytes(damaged))
        assert reports(load_policies(cache=folder)) == expected
        assert entry.read_bytes() == good  # rebuilt: the same pickle, sealed again


def test_an_entry_sealed_with_another_key_is_refused(folder, tmp_path):
    load_policies(cache=folder)
    other = tmp_path / "other"
    load_policies(cache=other)
    [mine] = folder.glob("policies-*.pickle")
    [theirs] = other.glob("policies-*.pickle")
    assert mine.name == theirs.name and mine.read_bytes() != theirs.read_bytes()
    mine.write_bytes(theirs.read_bytes())
    assert cache_module._read_entry(mine, object) is None and not mine.exists()


def test_a_key_others_may_read_is_not_used(folder):
    load_policies(cache=folder)
    os.chmod(folder / KEY_FILE, 0o644)
    [entry] = folder.glob("policies-*.pickle")
    assert cache_module._read_entry(entry, object) is None
    assert entry.exists()  # not ours to judge without a key: left alone


def test_a_missing_key_is_made_again_and_old_entries_rebuilt(folder):
    expected = load_policies(cache=False).policies
    load_policies(cache=folder)
    (folder / KEY_FILE).unlink()
    assert load_policies(cache=folder).policies == expected
    assert (folder / KEY_FILE).exists()
    [entry] = folder.glob("policies-*.pickle")
    assert cache_module._read_entry(entry, object) is not None


def test_temporary_files_of_killed_writes_are_cleaned(folder):
    folder.mkdir(mode=0o700)
    stale = folder / ".policies-0123.pickle.abcd.tmp"
    fresh = folder / ".policies-4567.pickle.efgh.tmp"
    stale.write_bytes(b"half")
    fresh.write_bytes(b"being written")
    old = time.time() - cache_module.STALE_TMP_SECONDS - 60
    os.utime(stale, (old, old))
    load_policies(cache=folder)
    assert not stale.exists() and fresh.exists()  # one in progress is left to its writer


def test_no_home_and_no_password_entry_turns_the_cache_off(monkeypatch):
    for name in ("RULES_CACHE_DIR", "XDG_CACHE_HOME", "RULES_NO_CACHE"):
        monkeypatch.delenv(name, raising=False)

    def nowhere() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(Path, "home", staticmethod(nowhere))
    assert cache_dir() is None
    assert len(load_policies()) == 5
