"""Evaluation on Dask (the optional extra ``followup-rules[dask]``).

    import dask.bag as db
    import engine, engine.dask

    policies = engine.load_policies()
    logs = db.read_text("logs-*.jsonl")            # or db.from_sequence([dict, ...])
    records = engine.dask.evaluate_bag(logs, policies, at="2026-11-23T09:00")
    records.to_textfiles("out/*.jsonl")           # the records of `rules batch`, byte for byte

``evaluate_bag`` returns a bag of JSON records, one per log, in the bag's
order, each keyed (``line``) by its position from 1 (or by the int key of a
``(key, log)`` item); a bad log gives an error record with the engine's code
(``strict=True`` fails the computation instead). The moment is explicit.
The policy set reaches each worker once (:class:`Shipped`, found by digest).
``due=`` (an :class:`engine.apps.batch.Due` of the last run's index entries)
evaluates only the logs that are due (docs/scale.md).
"""

from __future__ import annotations

from engine.apps.batch import Due
from engine.apps.distributed import DESERIALISED, Shipped, evaluate_bag, evaluate_partition
from engine.apps.incremental import IndexEntry, digest, entry_of_record, is_due

__all__ = ["evaluate_bag", "evaluate_partition", "Due", "IndexEntry", "Shipped", "DESERIALISED", "digest",
           "entry_of_record", "is_due"]
