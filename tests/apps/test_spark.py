"""The Spark recipe of docs/scale.md (examples/spark_batch.py): its worker
function over ``zipWithIndex`` pairs gives the records of ``rules batch``;
run on Spark itself where pyspark and Java are installed."""

from __future__ import annotations

import importlib.util
import io
import json
import shutil
import sys
from pathlib import Path

import pytest

import engine
from engine.apps.batch import run_batch
from engine.apps.distributed import Shipped, evaluate_partition

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
from corpus import AT_TEXT, generate  # noqa: E402


def batch_output(policies, lines, source) -> str:
    out = io.StringIO()
    run_batch(policies, lines, out, at=AT_TEXT, source=source)
    return out.getvalue()


@pytest.fixture(scope="module")
def lines() -> list[str]:
    rows = [json.dumps(d, ensure_ascii=False) for d in generate(40, seed=4)]
    rows[5] = ""  # a blank line: no record, still counted
    rows[9] = "{not json"
    return rows


def test_the_recipes_partitions_give_the_batch_records(lines):
    policies = engine.load_policies()
    keyed = [(i + 1, line) for i, line in enumerate(lines)]  # what zipWithIndex gives, shifted
    shipped = Shipped(policies)
    parts = [keyed[:13], keyed[13:30], keyed[30:]]
    got = "".join(r + "\n" for part in parts
                  for r in evaluate_partition(iter(part), shipped, AT_TEXT, source="logs.jsonl"))
    assert got == batch_output(policies, [line + "\n" for line in lines], "logs.jsonl")


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("pyspark") is None or shutil.which("java") is None,
                    reason="pyspark and Java are not both installed (pip install pyspark)")
def test_the_recipe_on_spark(tmp_path, lines):
    from pyspark.sql import SparkSession

    spec = importlib.util.spec_from_file_location("spark_batch", ROOT / "examples" / "spark_batch.py")
    assert spec is not None and spec.loader is not None
    recipe = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(recipe)
    source = tmp_path / "logs.jsonl"
    source.write_text("\n".join(lines) + "\n", "utf-8")
    session = SparkSession.builder.master("local[2]").getOrCreate()
    try:
        recipe.run(session, str(source), str(tmp_path / "out"), AT_TEXT)
    finally:
        session.stop()
    parts = sorted((tmp_path / "out").glob("part-*"))
    got = "".join(p.read_text("utf-8") for p in parts)
    assert got == batch_output(engine.load_policies(), [line + "\n" for line in lines], str(source))
