"""Hot reload: a changed policy is checked first and swapped in whole; a
broken edit keeps the old set serving and shows its error; SIGHUP reloads."""

from __future__ import annotations

import shutil
import time

import pytest

from serve_support import EXAMPLE, ROOT, YAML, make_client

AT = "2026-11-23T09:00"


@pytest.fixture
def policies(tmp_path):
    target = tmp_path / "policies"
    shutil.copytree(ROOT / "policies", target)
    return target


def _served(policies):
    """The file of hayes that is served: its highest version."""
    from engine.model.policies import parse_version
    return max((policies / "hayes").glob("*.yaml"), key=lambda f: parse_version(f.stem))


# Edits that hold whatever the policy says: a key the schema refuses, and a
# new id for the first rule.
BROKEN = ("\n  - id: ", "\n  - no_such_key: 1\n    id: ")


def _renamed(suffix):
    return ("\n  - id: ", "\n  - id: " + suffix)


def _edit(path, old, new):
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), "utf-8")
    later = time.time() + 1  # a new modification time even on coarse file systems
    import os
    os.utime(path, (later, later))


def test_broken_edit_keeps_the_old_set_and_a_fixed_one_is_served(tmp_path, policies):
    hayes = _served(policies)
    with make_client(tmp_path, policies_dir=policies) as c:
        state = c.app.state.service
        before = c.get("/v1/sources").json()
        old_hash = next(p["sha256"] for p in before["policies"] if p["policy"] == "hayes")
        _edit(hayes, *BROKEN)
        assert state.holder.reload_if_changed() is False
        broken = c.get("/v1/sources").json()
        assert broken["generation"] == 1 and broken["last_reload_error"]["code"] == "RULES-E030"
        assert next(p["sha256"] for p in broken["policies"] if p["policy"] == "hayes") == old_hash
        assert c.post(f"/v1/explain?at={AT}", content=EXAMPLE.read_bytes(), headers=YAML).status_code == 200
        _edit(hayes, BROKEN[1], BROKEN[0])
        _edit(hayes, *_renamed("edited-"))
        assert state.holder.reload_if_changed() is True
        fixed = c.get("/v1/sources").json()
        assert fixed["generation"] == 2 and fixed["last_reload_error"] is None
        assert next(p["sha256"] for p in fixed["policies"] if p["policy"] == "hayes") != old_hash
        assert state.holder.policies()[1].get("hayes").rules[0].id.startswith("edited-")


def test_the_watcher_picks_up_a_change_by_itself(tmp_path, policies):
    hayes = _served(policies)
    with make_client(tmp_path, policies_dir=policies, reload_seconds=0.1) as c:
        _edit(hayes, *_renamed("watched-"))
        deadline = time.monotonic() + 10
        while c.get("/v1/sources").json()["generation"] == 1 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert c.get("/v1/sources").json()["generation"] == 2
        assert c.app.state.service.holder.policies()[1].get("hayes").rules[0].id.startswith("watched-")


def test_sighup_reloads_a_live_server(tmp_path, policies):
    import json
    import signal
    import urllib.request

    from live_server import live_server
    hayes = _served(policies)
    with live_server(tmp_path, "--policies", str(policies), "--reload-seconds", "0") as server:
        _edit(hayes, *_renamed("hup-"))
        server.process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 15
        generation = 1
        while generation == 1 and time.monotonic() < deadline:
            time.sleep(0.2)
            with urllib.request.urlopen(server.url + "/v1/sources") as r:
                generation = json.load(r)["generation"]
        assert generation == 2, server.output()
        assert "policies reloaded (SIGHUP)" in server.output()
