"""Coverage-guided fuzzing of the file loaders with atheris.

The first byte of an input chooses what the rest is read as: an event log in
YAML or JSON, or a policy file. Loading must succeed or raise a ``RulesError``
(never another exception); a log that loads must evaluate, and a policy that
loads must evaluate against a real log, both to JSON. The seed corpus is the
repository's examples and policies.

    make fuzz                                   # both fuzzers, a few minutes
    .venv/bin/python fuzz/fuzz_loaders.py -runs=2000
"""

from __future__ import annotations

import sys
import tempfile
from datetime import datetime
from pathlib import Path

from _common import ROOT, libfuzzer_args, seed_corpus

import atheris

with atheris.instrument_imports(include=["engine"]):
    import engine
    from engine.errors import CODES, RulesError
    from engine.model.policies import PolicySet, load_policy_file

POLICIES = engine.load_policies()
LOG = engine.load_log(ROOT / "examples" / "waiting-past-date.yaml", POLICIES.vocabulary)
AT = datetime(2026, 11, 23, 9)
SCRATCH = Path(tempfile.mkdtemp(prefix="fuzz-loaders-"))
(SCRATCH / "hayes").mkdir()
KINDS = ("log.yaml", "log.json", "hayes/1.0.0.yaml")


def test_one_input(data: bytes) -> None:
    if not data:
        return
    kind = KINDS[data[0] % len(KINDS)]
    path = SCRATCH / kind
    path.write_bytes(data[1:])
    try:
        if kind.startswith("log"):
            log = engine.load_log(path, POLICIES.vocabulary)
            engine.evaluate(POLICIES, log, AT).to_json()
        else:
            policy = load_policy_file(path, POLICIES.vocabulary, POLICIES.actions)
            one = PolicySet((policy,), POLICIES.vocabulary, POLICIES.actions)
            engine.evaluate(one, LOG, AT).to_json()
    except RulesError as err:
        if err.code not in CODES:
            raise AssertionError(f"unknown code {err.code}") from err
        err.render()


def main() -> None:
    import json

    from engine.input.documents import load_document

    seeds = []
    for log in sorted((ROOT / "examples").glob("*.yaml")):
        seeds.append(b"\x00" + log.read_bytes())
        seeds.append(b"\x01" + json.dumps(load_document(log).data, ensure_ascii=False).encode())
    for policy in sorted((ROOT / "policies").glob("*/*.yaml")):
        if policy.parent.name != "vocabulary":
            seeds.append(b"\x02" + policy.read_bytes())
    corpus = seed_corpus("loaders", seeds)
    atheris.Setup(libfuzzer_args(corpus), test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    sys.exit(main())
