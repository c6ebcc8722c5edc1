"""Shared set-up of the atheris fuzzers (``make fuzz``): the repository on
``sys.path``, a seed corpus written once from the repository's own files,
and libFuzzer arguments with sensible defaults."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def seed_corpus(name: str, seeds: list[bytes]) -> Path:
    """``fuzz/corpus/NAME`` (libFuzzer adds what it finds), seeded with ``seeds``."""
    folder = ROOT / "fuzz" / "corpus" / name
    folder.mkdir(parents=True, exist_ok=True)
    for seed in seeds:
        (folder / hashlib.sha1(seed).hexdigest()).write_bytes(seed)
    return folder


def libfuzzer_args(corpus: Path) -> list[str]:
    """argv for libFuzzer: the corpus, crash files under fuzz/artifacts/, and
    whatever was passed on the command line (e.g. -runs=2000, -max_total_time=120)."""
    artifacts = ROOT / "fuzz" / "artifacts"
    artifacts.mkdir(parents=True, exist_ok=True)
    extra = sys.argv[1:]
    args = [sys.argv[0], f"-artifact_prefix={artifacts}/", "-timeout=20", "-rss_limit_mb=4096"]
    if not any(not a.startswith("-") for a in extra):
        args.append(str(corpus))
    return args + extra
