"""Property (issue 20 point 7): whatever bytes a line holds, ``rules batch``
gives one record for it — a report or an error record — in order, and every
good line keeps its report; no line stops the run."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import engine
from engine.apps.batch import run_batch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
from corpus import AT_TEXT, generate  # noqa: E402

POLICIES = engine.load_policies()
GOOD = [json.dumps(d, ensure_ascii=False).encode() for d in generate(4, seed=11)]

bad_line = st.one_of(
    st.binary(min_size=1, max_size=200),
    st.builds(lambda n: b'{"events": [], "n": ' + b"7" * n + b"}", st.integers(4000, 6000)),
    st.builds(lambda b, i: GOOD[i][:len(GOOD[i]) // 2] + b, st.binary(max_size=8), st.integers(0, 3)),
    st.builds(lambda d: b"[" * d + b"]" * d, st.integers(1, 3000)),
    st.text(max_size=60).map(lambda t: t.encode("utf-8", "surrogatepass")),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(range(4)), bad_line), min_size=1, max_size=8))
def test_every_line_gets_one_record_and_good_lines_their_reports(rows):
    lines = [(GOOD[r] if isinstance(r, int) else r.replace(b"\n", b" ").replace(b"\r", b" ")) + b"\n"
             for r in rows]
    out = io.BytesIO()
    count = run_batch(POLICIES, lines, out, at=AT_TEXT, source="fuzz")
    records = [json.loads(r) for r in out.getvalue().decode("utf-8").splitlines()]
    expected = [n for n, line in enumerate(lines, 1) if line.strip()]
    assert [r["line"] for r in records] == expected and count == len(expected)
    for record, row in zip(records, [r for r, line in zip(rows, lines) if line.strip()]):
        if isinstance(row, int):
            assert "advice" in record, record
        else:
            assert "advice" in record or record["error"]["code"].startswith("RULES-E")
