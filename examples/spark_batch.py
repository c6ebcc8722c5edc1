"""`rules batch` on Apache Spark: the same records, byte for byte, from
``mapPartitions`` over the engine's own worker function.

    spark-submit examples/spark_batch.py LOGS.jsonl OUT_DIR 2026-11-23T09:00

Needs pyspark (and Java) besides followup-rules; Dask is not needed.
"""

from __future__ import annotations

import sys

import engine
from engine.apps.distributed import Shipped, evaluate_partition


def run(spark, logs: str, out: str, at: str) -> None:
    policies = spark.sparkContext.broadcast(Shipped(engine.load_policies()))  # once per executor
    lines = spark.sparkContext.textFile(logs)  # one item per line, blank lines included
    keyed = lines.zipWithIndex().map(lambda pair: (pair[1] + 1, pair[0]))  # (line number, line)
    records = keyed.mapPartitions(
        lambda items: evaluate_partition(items, policies.value, at, source=logs))
    records.saveAsTextFile(out)  # part-00000, part-00001, …: in order, as rules batch writes them


if __name__ == "__main__":
    from pyspark.sql import SparkSession

    session = SparkSession.builder.appName("followup-rules batch").getOrCreate()
    run(session, *sys.argv[1:4])
    session.stop()
