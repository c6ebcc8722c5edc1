"""Coverage-guided fuzzing of the condition language with atheris.

Any text must either compile (parse, type check against the bundled
vocabulary, compile) or raise a ``ConditionError``; a condition that compiles
must evaluate to true, false or null on a real context, now and later, and its
trace and "why not" explanation must not fail. Anything else is a crash that
libFuzzer reports, with the input saved under fuzz/artifacts/.

    make fuzz                                   # both fuzzers, a few minutes
    .venv/bin/python fuzz/fuzz_conditions.py -runs=2000
"""

from __future__ import annotations

import sys
from datetime import datetime, timedelta

from _common import ROOT, libfuzzer_args, seed_corpus

import atheris

with atheris.instrument_imports(include=["engine"]):
    import engine
    from engine.errors import ConditionError
    from engine.runtime.explanation import why_not
    from engine.runtime.facts import FactContext

POLICIES = engine.load_policies()
VOCABULARY = POLICIES.vocabulary
LOG = engine.load_log(ROOT / "examples" / "waiting-past-date.yaml", VOCABULARY)
NOW = datetime(2026, 11, 23, 9, tzinfo=LOG.tz)


def test_one_input(data: bytes) -> None:
    text = atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(len(data))
    try:
        condition = engine.compile_condition(text, VOCABULARY)
    except ConditionError as err:
        err.render()
        return
    ctx = FactContext(VOCABULARY, LOG, NOW, provenance=True)
    value, trace = condition.trace(ctx)
    if value not in (True, False, None) or condition(ctx) is not value:
        raise AssertionError(f"{text!r} gave {value!r}")
    if value is not True:
        why_not(condition.node, trace, ctx)
    if condition(ctx.at(NOW + timedelta(days=9, hours=5))) not in (True, False, None):
        raise AssertionError(f"{text!r} is not a condition later")


def main() -> None:
    seeds = sorted({r.when.encode() for p in POLICIES for r in p.rules})
    corpus = seed_corpus("conditions", seeds)
    atheris.Setup(libfuzzer_args(corpus), test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    sys.exit(main())
