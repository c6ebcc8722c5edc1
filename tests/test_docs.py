"""Docs that run: every example in ``docs/*.md`` is executed.

- ```` ```python ```` blocks run in order, one shared namespace per file, with
  the repository root as the current directory; none may raise.
- ```` ```console ```` blocks: each line ``$ rules ARGS`` is run through
  ``engine.cli.main`` (``shlex``-split). The exit code must be 0 unless the
  command is followed by a line ``# exit N``. The other non-blank lines after
  a command are expected output: each must appear, in order, as a whole line
  of the real output (stdout then stderr; surrounding blanks ignored). A line
  ``...`` (or ``…``) only marks omitted output.
- ```` ```console server ```` blocks (docs/serve.md): each line ``$ curl …``
  runs in ``bash`` (with ``pipefail``) against a live ``rules serve`` started
  for the test, its address put in place of ``http://127.0.0.1:8080``; the
  expected output is checked as for ``console`` blocks.
- A block whose info string has ``file=PATH`` (e.g. ```` ```yaml file=policies/actions.yaml ````)
  must appear verbatim in that file: shown excerpts cannot drift.

Blocks that are not meant to run use another fence language (``text``,
``yaml``, ``sh``, ``json``). To stay fast and deterministic every
``rules explain`` passes ``--at`` (``plan`` ``--from``, ``batch`` ``--at``).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest

from engine.cli import main

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted((ROOT / "docs").glob("*.md"))

#: The option that pins the clock for commands that read it.
CLOCK_OPTIONS = {"explain": "--at", "plan": "--from", "batch": "--at"}

_FENCE = re.compile(r"^(`{3,}|~{3,})\s*([^`]*)$")
_EXIT = re.compile(r"^#\s*exit\s+(\d+)\s*$")


@dataclass
class Block:
    file: Path
    line: int          # 1-based line of the first content line
    lang: str
    info: str
    text: str

    @property
    def where(self) -> str:
        return f"{self.file.relative_to(ROOT)}:{self.line}"

    def option(self, name: str) -> str | None:
        for word in self.info.split()[1:]:
            key, _, value = word.partition("=")
            if key == name:
                return value
        return None


def blocks(path: Path) -> list[Block]:
    """The fenced code blocks of a Markdown file (top-level fences only)."""
    found: list[Block] = []
    lines = path.read_text("utf-8").splitlines()
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, info = m.group(1), m.group(2).strip()
        body: list[str] = []
        j = i + 1
        while j < len(lines) and not _closes(lines[j], fence):
            body.append(lines[j])
            j += 1
        if j >= len(lines):
            raise AssertionError(f"{path.relative_to(ROOT)}:{i + 1}: fence never closed")
        lang = info.split()[0].lower() if info else ""
        found.append(Block(path, i + 2, lang, info, "\n".join(body) + "\n"))
        i = j + 1
    return found


def _closes(line: str, fence: str) -> bool:
    text = line.strip()
    return len(text) >= len(fence) and set(text) == {fence[0]}


ALL = [b for doc in DOCS for b in blocks(doc)]


# -- python ------------------------------------------------------------------------

@pytest.mark.parametrize("doc", [d for d in DOCS if any(b.lang == "python" for b in blocks(d))],
                         ids=lambda d: d.name)
def test_python_blocks_run(doc: Path, monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("NO_COLOR", "1")
    namespace: dict = {"__name__": f"docs.{doc.stem}"}
    for block in blocks(doc):
        if block.lang != "python":
            continue
        # Padded so that tracebacks give the line in the Markdown file.
        code = compile("\n" * (block.line - 1) + block.text, str(block.file.relative_to(ROOT)), "exec")
        try:
            exec(code, namespace)  # noqa: S102 - our own documentation
        except Exception as err:
            raise AssertionError(f"python block at {block.where} raised {err!r}") from err


# -- console -----------------------------------------------------------------------

@dataclass
class Command:
    argv: list[str]
    line: int
    exit: int = 0
    expected: list[str] | None = None


def commands(block: Block) -> list[Command]:
    out: list[Command] = []
    for k, raw in enumerate(block.text.splitlines()):
        line = raw.rstrip()
        number = block.line + k
        if line.startswith("$ "):
            if not line.startswith("$ rules "):
                raise AssertionError(f"{block.where}: only `$ rules …` commands run in console blocks; "
                                     f"use ```sh for {line!r}")
            out.append(Command(shlex.split(line[len("$ rules "):]), number, 0, []))
            continue
        if not out:
            if line.strip():
                raise AssertionError(f"{block.where}: output before any `$ rules` command")
            continue
        m = _EXIT.match(line.strip())
        if m:
            out[-1].exit = int(m.group(1))
        elif line.strip() and line.strip() not in ("...", "…"):
            out[-1].expected.append(line.strip())
    return out


def is_server_block(block: Block) -> bool:
    return block.lang == "console" and "server" in block.info.split()[1:]


CONSOLE = [b for b in ALL if b.lang == "console" and not is_server_block(b)]
SERVER = [b for b in ALL if is_server_block(b)]


@pytest.mark.parametrize("block", CONSOLE, ids=[b.where for b in CONSOLE])
def test_console_blocks(block: Block, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("NO_COLOR", "1")
    cmds = commands(block)
    assert cmds, f"{block.where}: a console block without `$ rules` commands; use ```text"
    for cmd in cmds:
        where = f"{block.file.relative_to(ROOT)}:{cmd.line}"
        clock = CLOCK_OPTIONS.get(cmd.argv[0] if cmd.argv else "")
        if clock and "--help" not in cmd.argv and not any(a == clock or a.startswith(clock + "=")
                                                          for a in cmd.argv):
            raise AssertionError(f"{where}: pass {clock} so that the example is deterministic")
        code = main(cmd.argv)
        out, err = capsys.readouterr()
        text = out + err
        assert code == cmd.exit, (f"{where}: `rules {shlex.join(cmd.argv)}` exited {code}, "
                                  f"expected {cmd.exit}\n{text}")
        lines = [l.strip() for l in text.splitlines()]
        pos = 0
        for want in cmd.expected or []:
            try:
                pos = lines.index(want, pos) + 1
            except ValueError:
                raise AssertionError(f"{where}: expected output line not found (in order):\n"
                                     f"  {want}\n--- real output ---\n{text}") from None


def _check_output(where: str, shown: str, text: str, expected: list[str]) -> None:
    lines = [l.strip() for l in text.splitlines()]
    pos = 0
    for want in expected:
        try:
            pos = lines.index(want, pos) + 1
        except ValueError:
            raise AssertionError(f"{where}: expected output line not found (in order):\n"
                                 f"  {want}\n--- output of `{shown}` ---\n{text}") from None


def shell_commands(block: Block) -> list[Command]:
    """The ``$ curl …`` lines of a server block (argv: the shell line) and their output."""
    out: list[Command] = []
    for k, raw in enumerate(block.text.splitlines()):
        line = raw.rstrip()
        if line.startswith("$ "):
            if not line.startswith("$ curl "):
                raise AssertionError(f"{block.where}: only `$ curl …` lines run in server blocks")
            out.append(Command([line[2:]], block.line + k, 0, []))
        elif out and line.strip() and line.strip() not in ("...", "…"):
            out[-1].expected.append(line.strip())
        elif not out and line.strip():
            raise AssertionError(f"{block.where}: output before any `$ curl` command")
    return out


#: The address the docs show; the tests' server listens elsewhere.
DOCS_ADDRESS = "http://127.0.0.1:8080"


@pytest.fixture(scope="module")
def docs_server(tmp_path_factory):
    pytest.importorskip("starlette")  # the [serve] extra (make test installs it)
    from live_server import live_server
    folder = tmp_path_factory.mktemp("docs-serve")
    with live_server(folder, "--decision-log", str(folder / "decisions.jsonl")) as server:
        yield server


@pytest.mark.parametrize("block", SERVER, ids=[b.where for b in SERVER])
def test_server_blocks_against_a_live_server(block: Block, docs_server):
    import subprocess

    cmds = shell_commands(block)
    assert cmds, f"{block.where}: a server block without `$ curl` commands"
    for cmd in cmds:
        where = f"{block.file.relative_to(ROOT)}:{cmd.line}"
        shell = cmd.argv[0].replace(DOCS_ADDRESS, docs_server.url)
        done = subprocess.run(["bash", "-o", "pipefail", "-c", shell], cwd=ROOT, capture_output=True,
                              text=True, timeout=60, env={**__import__("os").environ, "NO_COLOR": "1"})
        assert done.returncode == 0, f"{where}: `{cmd.argv[0]}` exited {done.returncode}\n{done.stderr}"
        _check_output(where, cmd.argv[0], done.stdout.replace("\r\n", "\n"), cmd.expected or [])


# -- excerpts of files ---------------------------------------------------------------

EXCERPTS = [b for b in ALL if b.option("file")]


@pytest.mark.parametrize("block", EXCERPTS, ids=[b.where for b in EXCERPTS])
def test_excerpts_match_their_files(block: Block):
    target = ROOT / block.option("file")
    assert target.is_file(), f"{block.where}: no file {block.option('file')}"
    assert block.text in target.read_text("utf-8"), (
        f"{block.where}: this block is not a verbatim excerpt of {block.option('file')}")


# -- the harness itself --------------------------------------------------------------

def test_docs_exist_and_run_something():
    names = {d.name for d in DOCS}
    for required in ("index.md", "language.md", "authoring.md", "embedding.md", "cli.md"):
        assert required in names
    assert sum(b.lang == "python" for b in ALL) >= 10
    assert len(CONSOLE) >= 10


def test_index_links_resolve():
    index = ROOT / "docs" / "index.md"
    targets = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", index.read_text("utf-8"))
    assert len(targets) >= 7
    for target in targets:
        if "://" not in target:
            assert (index.parent / target).exists(), f"docs/index.md links to missing {target}"


#: Commands that exist but docs/cli.md does not document yet. Remove a name
#: from here when its section (## `rules NAME`) is written.
PENDING_CLI_DOCS: set[str] = set()


def test_every_command_has_a_section_in_cli_md():
    from engine.cli import cli

    text = (ROOT / "docs" / "cli.md").read_text("utf-8")
    documented = set(re.findall(r"^## `rules (\w+)`", text, re.M))
    commands = set(cli.commands)
    assert documented <= commands, f"documented but not a command: {documented - commands}"
    assert not documented & PENDING_CLI_DOCS, f"documented now, drop from PENDING_CLI_DOCS: {documented & PENDING_CLI_DOCS}"
    missing = commands - documented - PENDING_CLI_DOCS
    assert not missing, f"commands without a section in docs/cli.md: {sorted(missing)}"


def test_console_parser():
    fake = Block(ROOT / "docs" / "x.md", 10, "console", "console",
                 "$ rules check a\nfoo\n...\n  bar  \n# exit 1\n$ rules sources\n")
    cmds = commands(fake)
    assert [c.argv for c in cmds] == [["check", "a"], ["sources"]]
    assert cmds[0].exit == 1 and cmds[0].expected == ["foo", "bar"]
    assert cmds[1].exit == 0 and cmds[1].expected == []
