"""``rules serve`` as a command: the base install does not need the extra
(nothing of it is imported by other commands), a missing extra is a clean
message, unsafe settings are refused before anything listens, and the
settings reach uvicorn's worker processes intact."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from engine.cli import main

from serve_support import ROOT

_MODULES = """
import json, sys
from engine.cli import main
code = main(["explain", "examples/waiting-past-date.yaml", "--at", "2026-11-23T09:00", "--format", "json"])
print(json.dumps({"code": code, "loaded": sorted(m for m in sys.modules
                   if m.split(".")[0] in ("starlette", "uvicorn", "jinja2", "anyio", "python_multipart")
                   or m.startswith("engine.serve"))}))
"""


def test_other_commands_never_import_the_serve_extra():
    done = subprocess.run([sys.executable, "-c", _MODULES], cwd=ROOT, capture_output=True, text=True,
                          check=True)
    result = json.loads(done.stdout.splitlines()[-1])
    assert result == {"code": 0, "loaded": []}


_WITHOUT_EXTRA = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("starlette", "uvicorn"):
            raise ImportError(name)
sys.meta_path.insert(0, Block())
from engine.cli import main
sys.exit(main(["serve"]))
"""


def test_without_the_extra_serve_says_what_to_install():
    done = subprocess.run([sys.executable, "-c", _WITHOUT_EXTRA], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 2
    assert "RULES-E050 rules serve needs the [serve] extra (missing: starlette, uvicorn)" in done.stderr
    assert "pip install 'followup-rules[serve]'" in done.stderr and "Traceback" not in done.stderr


def test_unsafe_or_impossible_settings_are_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("RULES_SERVE_TOKEN", raising=False)
    assert main(["serve", "--host", "0.0.0.0", "--database", str(tmp_path / "a.db")]) == 2
    assert "needs a bearer token" in capsys.readouterr().err
    assert main(["serve", "--policies", str(tmp_path / "nowhere")]) == 2
    assert "no such policies folder" in capsys.readouterr().err
    (tmp_path / "token").write_text("short\n")
    assert main(["serve", "--host", "0.0.0.0", "--token-file", str(tmp_path / "token")]) == 2
    assert "shorter than 16" in capsys.readouterr().err


def test_settings_travel_to_workers_without_the_token(monkeypatch, tmp_path):
    from engine.serve.launch import _decode, _encode
    from engine.serve.settings import Settings
    settings = Settings(host="0.0.0.0", token="a-long-enough-token-1234", database=tmp_path / "a.db",
                        decision_log=tmp_path / "d.jsonl", pins=("hayes@1.0.0",), max_events=7)
    encoded = _encode(settings)
    assert "a-long-enough-token" not in encoded
    monkeypatch.setenv("RULES_SERVE_TOKEN", settings.token or "")
    assert _decode(encoded) == settings


def test_two_workers_serve_and_share_one_decision_log(tmp_path):
    import urllib.request

    from live_server import live_server
    body = (ROOT / "examples" / "waiting-past-date.yaml").read_bytes()
    with live_server(tmp_path, "--workers", "2", "--decision-log", str(tmp_path / "d.jsonl")) as server:
        for _ in range(6):
            request = urllib.request.Request(server.url + "/v1/explain?at=2026-11-23T09:00", data=body,
                                             headers={"content-type": "application/yaml"})
            with urllib.request.urlopen(request) as r:
                assert r.status == 200
    lines = Path(tmp_path / "d.jsonl").read_text().splitlines()
    assert len(lines) == 6 and all(json.loads(line)["endpoint"] == "/v1/explain" for line in lines)


def test_several_policies_folders_are_served_together(tmp_path):
    """Regression: `--policies` is repeatable (issue 17); serve took only a
    single folder and failed with a TypeError on the tuple."""
    from engine.serve.reloading import PolicyHolder
    from engine.serve.settings import Settings
    folders = (Path(":bundled"), ROOT / "docs" / "tutorial" / "policies")
    Settings(policies_dir=folders).check()
    holder = PolicyHolder(folders)
    assert {"hayes", "sample"} <= {p.id for p in holder.current.policies.policies}
    assert any("tutorial" in f for f, _, _ in holder.fingerprint())
    assert any("hayes" in f for f, _, _ in holder.fingerprint())
