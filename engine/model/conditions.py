"""One call from condition text to a runnable condition: parse → check →
compile, in a vocabulary's scope."""

from __future__ import annotations

from engine.language.checker import check
from engine.language.compiler import CompiledExpr, compile_checked
from engine.language.parser import DEFAULT_LIMITS, Limits, parse
from engine.language.types import BOOL, Type
from engine.model.vocabulary import Vocabulary, default_vocabulary

__all__ = ["compile_condition"]


def compile_condition(text: str, vocabulary: Vocabulary | None = None, *,
                      expect: Type | None = BOOL, limits: Limits = DEFAULT_LIMITS) -> CompiledExpr:
    """Compile ``text`` against ``vocabulary`` (default: the bundled one).

    Raises :class:`~engine.errors.ConditionError` with line, column and hint.
    Call the result with a fact context (``engine.runtime.facts.FactContext``) or any
    mapping of fact values.
    """
    if vocabulary is None:
        vocabulary = default_vocabulary()
    return compile_checked(check(parse(text, limits), vocabulary, text, expect=expect),
                           vocabulary.functions)
