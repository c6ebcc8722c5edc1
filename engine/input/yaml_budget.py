"""Bounds on reading one YAML text with libyaml, kept apart from the reading
itself: counting values as the reference reader counts them (after
expanding aliases, with the nesting depth), finding the first value over
the limit without composing anything, and keeping the garbage collector
from going over a large document again and again while it is built.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import yaml

from engine.errors import InputError
from engine.input.positions import TOO_MANY_VALUES_HINT, InputLimits, source_line
from engine.input.yaml_values import MappingNode, ScalarNode

__all__ = ["aliases_fit", "first_over_the_limit", "over_the_limit", "out_of_the_collectors_way",
           "PRECOUNT_FROM", "LARGE_TEXT"]



class _Refused(Exception):
    pass


def aliases_fit(root: yaml.Node, max_nodes: int, max_depth: int) -> bool:
    """Whether a document composed by libyaml passes the checks ``_Loader``
    makes while composing: at most ``max_nodes`` values after expanding
    aliases, no alias inside the value it names, no nesting deeper than
    ``max_depth``. Aliases are the nodes met a second time; the expanded size
    of each is worked out once, so a "billion laughs" costs a few nodes here."""
    sizes: dict[int, int] = {}
    open_: set[int] = set()
    total = 0

    def visit(node: yaml.Node, depth: int) -> int:
        nonlocal total
        key = id(node)
        size = sizes.get(key)
        if size is not None:  # an alias of a value met before
            total += size
            if total > max_nodes:
                raise _Refused
            return size
        if key in open_ or depth > max_depth:
            raise _Refused
        total += 1
        if total > max_nodes:
            raise _Refused
        size = 1
        if node.__class__ is not ScalarNode:
            open_.add(key)
            if node.__class__ is MappingNode:
                for key_node, value_node in node.value:
                    size += visit(key_node, depth + 1) + visit(value_node, depth + 1)
            else:
                for item in node.value:
                    size += visit(item, depth + 1)
            open_.discard(key)
        sizes[key] = size
        return size

    try:
        visit(root, 0)
    except _Refused:
        return False
    return True


def first_over_the_limit(yaml_text: str, max_nodes: int) -> yaml.Mark | None:
    """Where the first value past ``max_nodes`` starts in a text without
    aliases (counted from libyaml's parse events, as the reference reader
    counts values: each event is dropped at once, so memory stays flat), or
    None if there are not that many (or the text does not parse: the
    readers then say why)."""
    loader = yaml.CSafeLoader(yaml_text)
    kinds = (yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent)
    count = 0
    try:
        while True:
            event = loader.get_event()
            if event is None or event.__class__ is yaml.StreamEndEvent:
                return None
            if event.__class__ in kinds:
                count += 1
                if count > max_nodes:
                    return event.start_mark
    except yaml.YAMLError:
        return None
    finally:
        loader.dispose()


def over_the_limit(text: str, file: str, limits: InputLimits, mark: yaml.Mark | None) -> InputError:
    """The error for a text without aliases that holds more than
    ``limits.max_nodes`` values, at the first value over the limit."""
    where: dict[str, Any] = {"file": file}
    if mark is not None:
        where.update(line=mark.line + 1, column=mark.column + 1,
                     source_line=source_line(text, mark.line + 1))
    return InputError(f"more than {limits.max_nodes} values", code="RULES-E013",
                      hint=TOO_MANY_VALUES_HINT, **where)


#: Texts longer than this (in characters) have their values counted before
#: libyaml composes them: one over the limit is refused after a pass that
#: keeps nothing, instead of after composing two million nodes.
PRECOUNT_FROM = 1_000_000


#: Texts from this long (in characters) are read with their objects moved
#: out of the collector's way as they are made (see ``_out_of_the_way``).
LARGE_TEXT = 256 * 1024


def _nothing() -> None:
    pass


@contextmanager
def out_of_the_collectors_way(large: bool) -> Iterator[Callable[[], None]]:
    """A step to call now and then while reading a large text: it moves
    every object made so far out of the garbage collector's way
    (``gc.freeze``), and they are given back when the read ends
    (``gc.unfreeze``). The collector is never turned off and keeps
    collecting what is made between two steps, in every thread; it only
    stops going over the same nodes and values again and again as the
    document grows, which made a read of a large log about twice as slow.
    (Nothing of the kind for a small text, or in a process that freezes
    objects itself, whose frozen objects must stay frozen.)"""
    if not large or not gc.isenabled() or gc.get_freeze_count():
        yield _nothing
        return
    gc.freeze()
    try:
        yield gc.freeze
    finally:
        gc.unfreeze()
