"""A policies folder that holds no policies, or that cannot be read, is an
error that says so (issue 20, point 12), and a log's time zone never means
the host's own setting."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from engine.cli import main
from engine.errors import InputError, LogError
from engine.model.eventlog import EventLog
from engine.model.policies import load_policies

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "waiting-past-date.yaml"


def test_a_folder_without_policies_is_e051_not_silence(tmp_path, capsys):
    with pytest.raises(InputError) as info:
        load_policies(tmp_path, cache=False)
    assert info.value.code == "RULES-E051" and "no policy files" in info.value.message
    assert main(["explain", str(EXAMPLE), "--at", "2026-11-23T09:00", "--policies", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "RULES-E051 no policy files in this folder" in err
    assert "No source recommends" not in err


@pytest.mark.parametrize("which", ["root", "policy"])
def test_an_unreadable_folder_says_read_not_write(tmp_path, monkeypatch, capsys, which):
    folder = tmp_path / "policies"
    shutil.copytree(ROOT / "policies", folder)
    locked = folder if which == "root" else folder / "hayes"
    real = Path.iterdir

    def iterdir(self: Path):  # (as root, chmod 000 would not stop a read)
        if self == locked:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "iterdir", iterdir)
    code = main(["explain", str(EXAMPLE), "--at", "2026-11-23T09:00", "--policies", str(folder),
                 ])
    err = capsys.readouterr().err
    assert code == 2
    assert f"{locked}: RULES-E051 cannot read this folder: Permission denied" in err
    assert "cannot write" not in err and "check its permissions" in err


@pytest.mark.parametrize("zone", ["localtime", "posixrules", "Etc/../localtime", "posix/localtime"])
def test_a_host_dependent_zone_is_refused(zone):
    with pytest.raises(LogError) as info:
        EventLog.from_dict({"timezone": zone, "events": []})
    assert info.value.code == "RULES-E021"
    assert "America/New_York" in (info.value.hint or "") or "unknown time zone" in info.value.message
