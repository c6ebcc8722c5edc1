"""Reading one YAML text into plain values and positions: libyaml where it
reads the text as the pure-Python reader would, the pure-Python reader for
everything else.

The pure-Python reader (``_Loader``) is the reference: it counts values
(after expanding aliases) and depth while composing, and reports every
problem at its line and column. libyaml (PyYAML's C parser, ``_CLoader``)
composes faster (benchmarks/load.py measures by how much); its document is checked afterwards
(``_aliases_fit``, ``_reads_alike``, ``_tabs_are_quoted``, and the value
checks of ``engine.input.yaml_values``), and whatever it does not read cleanly is
read again by the reference reader, so errors and positions are always the
reference reader's.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from typing import Any

import yaml

from engine.errors import InputError
from engine.input.positions import DEFAULT_INPUT_LIMITS, TOO_MANY_VALUES_HINT, InputLimits, Positions, source_line
from engine.input.yaml_budget import (LARGE_TEXT, PRECOUNT_FROM, aliases_fit, first_over_the_limit,
                                      out_of_the_collectors_way, over_the_limit)
from engine.input.yaml_values import STR_TAG, Builder, MappingNode, ReadsDifferently, ScalarNode

__all__ = ["read_yaml"]


_ALIAS_HINT = "is an alias expanding too much?"


class _TooBig(yaml.YAMLError):  # type: ignore[misc]  # PyYAML ships no types
    """Raised while composing: the document breaks a limit (see ``_Loader``)."""

    def __init__(self, message: str, mark: yaml.Mark, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark
        self.hint = hint


class _Loader(yaml.SafeLoader):  # type: ignore[misc]  # PyYAML ships no types
    """A safe loader whose timestamps stay strings.

    Composing counts every value as it would be after expanding aliases (an
    alias costs the size of the value it names) and the nesting depth, and
    stops at the first value over a limit: an alias "billion laughs" is
    refused after reading a few hundred bytes, before any memory grows, and a
    value that contains an alias to itself is refused instead of recursing.

    This is the reference reader, in pure Python: every error is reported as
    it finds it. The fast reader (libyaml, see ``_CLoader``) hands each input
    it does not read cleanly over to this one.
    """

    max_nodes = DEFAULT_INPUT_LIMITS.max_nodes
    max_depth = DEFAULT_INPUT_LIMITS.max_depth

    def compose_document(self):  # type: ignore[no-untyped-def]
        self._expanded = 0
        self._depth = -1  # the top value is at depth 0
        self._sizes: dict[int, int] = {}
        return super().compose_document()

    def _count(self, size: int, mark: yaml.Mark) -> None:
        self._expanded += size
        if self._expanded > self.max_nodes:
            raise _TooBig(f"more than {self.max_nodes} values (after expanding aliases)", mark,
                          _ALIAS_HINT)

    def compose_node(self, parent, index):  # type: ignore[no-untyped-def]
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            node = super().compose_node(parent, index)
            size = self._sizes.get(id(node))
            if size is None:
                raise _TooBig(f"alias *{event.anchor} is used inside the value it names",
                              event.start_mark, "a value cannot contain itself")
            self._count(size, event.start_mark)
            return node
        self._count(1, event.start_mark)
        self._depth += 1
        if self._depth > self.max_depth:
            raise _TooBig(f"nested deeper than {self.max_depth} levels", event.start_mark)
        start = self._expanded
        node = super().compose_node(parent, index)
        self._depth -= 1
        if event.anchor is not None:
            self._sizes[id(node)] = self._expanded - start + 1
        return node


# The implicit resolvers of plain scalars, without timestamps.
_RESOLVERS: dict[str | None, list[tuple[str, re.Pattern[str]]]] = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.yaml_implicit_resolvers = _RESOLVERS

_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"

# The same resolvers by a plain scalar's first character ('' for the empty
# scalar), with the ones for any first character after them, as
# ``Resolver.resolve`` tries them.
_ANY_RESOLVERS = tuple(_RESOLVERS.get(None, []))
_PLAIN_RESOLVERS: dict[str, tuple[tuple[str, re.Pattern[str]], ...]] = {
    key: tuple(resolvers) + _ANY_RESOLVERS for key, resolvers in _RESOLVERS.items() if key is not None
}


class _Refused(Exception):
    """The document breaks a limit of the reference reader (while libyaml
    composes it, or in ``_aliases_fit``)."""


#: Read with libyaml (PyYAML's C parser) when PyYAML has it; the tests flip
#: this to check that both readers give the same documents and errors.
_USE_LIBYAML = bool(getattr(yaml, "__with_libyaml__", False))

if hasattr(yaml, "CSafeLoader"):
    class _CLoader(yaml.CSafeLoader):  # type: ignore[misc]
        """libyaml's composer with the resolvers of ``_Loader``. It composes
        the whole document before anything is checked, but it stops (raises
        ``_Refused``) past ``max_nodes`` nodes; aliases are shared nodes, so
        an alias bomb costs no memory here; libyaml refuses nesting deeper
        than 1,000 itself. ``_aliases_fit`` and ``Builder`` check the limits
        of the reference reader afterwards."""

        yaml_implicit_resolvers = _RESOLVERS

        def __init__(self, stream: str, max_nodes: int, step: Callable[[], None] | None = None) -> None:
            super().__init__(stream)
            # Every node without a tag is resolved, and there are at most as
            # many tagged ones as "!" in the text: counting down from this,
            # composing stops before making more nodes than the limit allows.
            self._budget = max_nodes - stream.count("!")
            self._step = step

        def resolve(self, kind, value, implicit):  # type: ignore[no-untyped-def]
            # ``Resolver.resolve`` for a loader without path resolvers, called
            # by libyaml's composer for every node without an explicit tag.
            self._budget -= 1
            if self._budget < 0:
                raise _Refused
            if not self._budget & 0xFFFF and self._step is not None:
                self._step()
            if kind is yaml.ScalarNode:
                if implicit[0]:
                    for tag, regexp in _PLAIN_RESOLVERS.get(value[:1], _ANY_RESOLVERS):
                        if regexp.match(value):
                            return tag
                return STR_TAG
            return _SEQ if kind is yaml.SequenceNode else _MAP
else:  # pragma: no cover - PyYAML without libyaml
    _CLoader = None  # type: ignore[assignment,misc]

# A non-specific tag: ``!`` alone, where a token may start (or text that
# looks so: "Wow ! Thanks").
_NON_SPECIFIC_TAG = re.compile(r"(?<![^\s\ufeff\[{,])!(?=\s|\Z)")

# A comment right after a block scalar's indicators (or text that looks so).
_HEADER_COMMENT = re.compile(r"[|>][-+0-9]*#")

_LINE_BREAKS = ("\n", "\r", "\x85", "\u2028", "\u2029")


def _reads_alike(text: str, root: yaml.Node | None, shift: int) -> bool:
    """Whether libyaml read ``text`` as the reference reader does, as far as
    cheap signs tell: False for the few things libyaml reads differently.

    - ``!`` (the non-specific tag): the reference reader resolves the value
      after it as an untagged one (``! 12`` is 12), libyaml takes it as text.
    - A byte order mark after the start: libyaml counts columns differently
      after it (one at the start is fine: it only shifts indexes by one).
    - An empty value at the very end of a text that does not end with a line
      break (``? a`` without a value): libyaml puts it on a line after the
      last one.
    - A comment right after a block scalar's ``|`` or ``>`` (``|#``): the
      reference reader wants a blank before it.

    (``Builder`` finds one more: see ``flow_differs``.)
    """
    if "!" in text and _NON_SPECIFIC_TAG.search(text):
        return False
    if "#" in text and _HEADER_COMMENT.search(text):
        return False
    if text.find("\ufeff", 1) != -1:
        return False
    if root is not None and not text.endswith(_LINE_BREAKS):
        node = root
        for _ in range(1001):  # libyaml nests at most 1,000 deep
            if node.__class__ is ScalarNode or not node.value:
                break
            node = node.value[-1][1] if node.__class__ is MappingNode else node.value[-1]
        mark = node.start_mark
        if node.__class__ is ScalarNode and mark.index + shift >= len(text) and mark.column == 0:
            return False
    return True

def _tabs_are_quoted(text: str, root: yaml.Node, shift: int) -> bool:
    """Whether every tab of ``text`` is between the quotes of a quoted scalar
    of the document libyaml composed. libyaml takes a tab for a blank in more
    places than the reference reader (after a value, between flow items,
    inside a plain scalar), so a tab anywhere else sends the text to the
    reference reader."""
    spans = []
    stack = [root]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if node.__class__ is ScalarNode:
            start = node.start_mark.index + shift
            # (a scalar with a tag or an anchor starts at that: no span then)
            if node.style in ('"', "'") and text.startswith(node.style, start):
                spans.append((start + 1, node.end_mark.index + shift - 1))
        elif node.__class__ is MappingNode:
            for pair in node.value:
                stack.extend(pair)
        else:
            stack.extend(node.value)
    spans.sort()
    starts = [start for start, _ in spans]
    at = text.find("\t")
    while at != -1:
        k = bisect.bisect_right(starts, at) - 1
        if k < 0 or at >= spans[k][1]:
            return False
        at = text.find("\t", at + 1)
    return True


def _yaml_error(file: str, text: str, err: yaml.YAMLError) -> InputError:
    mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
    problem = getattr(err, "problem", None) or str(err)
    line = column = None
    src = None
    if mark is not None:
        line, column = mark.line + 1, mark.column + 1
        src = source_line(text, line)
    code = "RULES-E012" if "tag" in str(problem) else "RULES-E010"
    return InputError(f"invalid YAML: {problem}", code=code, file=file, line=line, column=column,
                      source_line=src, hint="check the indentation and quoting around this point")


def _read_fast(yaml_text: str, text: str, file: str, limits: InputLimits) -> tuple[Any, Positions] | None:
    """The data and positions of ``yaml_text`` read with libyaml, or None when
    it has anything to report (or libyaml reads it differently from the
    reference reader): the reference reader then reads it again and says
    what is wrong exactly as it always has, at the same line and column."""
    # More values than the limit: without aliases, the value over it is found
    # by counting libyaml's events (C speed, flat memory), never by reading
    # the whole text again with the reference reader.
    if len(yaml_text) > PRECOUNT_FROM and "*" not in yaml_text:
        mark = first_over_the_limit(yaml_text, limits.max_nodes)
        if mark is not None:
            raise over_the_limit(text, file, limits, mark)
    with out_of_the_collectors_way(len(yaml_text) >= LARGE_TEXT) as step:
        return _compose_and_build(yaml_text, text, file, limits, step)


def _compose_and_build(yaml_text: str, text: str, file: str, limits: InputLimits,
                       step: Callable[[], None]) -> tuple[Any, Positions] | None:
    try:
        node = _CLoader(yaml_text, limits.max_nodes, step).get_single_node()
    except _Refused:
        if "*" not in yaml_text:
            raise over_the_limit(text, file, limits,
                                  first_over_the_limit(yaml_text, limits.max_nodes)) from None
        return None
    except Exception:  # noqa: BLE001 - whatever it is, the reference reader reports it
        return None
    if node is None:
        return (None, Positions()) if _reads_alike(yaml_text, None, 0) else None
    # Aliases and merge keys (a plain ``<<``, or a tag: ``!!merge``, or one
    # with %-escapes or a %TAG handle) are where the count of values while
    # composing differs from the count while building. (This goes first: it
    # also finds a value that contains itself.)
    if ("*" in yaml_text or "<<" in yaml_text
            or ("!" in yaml_text and ("merge" in yaml_text or "%" in yaml_text))) \
            and not aliases_fit(node, limits.max_nodes, limits.max_depth):
        return None
    shift = 1 if yaml_text.startswith("\ufeff") else 0
    if not _reads_alike(yaml_text, node, shift):
        return None
    if "\t" in yaml_text and not _tabs_are_quoted(yaml_text, node, shift):
        return None
    builder = Builder(file, text, limits, libyaml=True, index_shift=shift, step=step)
    try:
        data = builder.build(node, ())
    except InputError as err:
        if err.code == "RULES-E013" and "*" not in yaml_text and builder.count > limits.max_nodes:
            raise  # too many values, placed where libyaml and the reference reader agree
        return None
    except ReadsDifferently:
        return None
    return data, builder.positions


def _read_reference(yaml_text: str, text: str, file: str, limits: InputLimits) -> tuple[Any, Positions]:
    """The data and positions of ``yaml_text`` read with the pure-Python
    reader (``_Loader``), which stops at the first problem."""
    loader = None
    try:
        loader = _Loader(yaml_text)  # (refuses characters YAML does not allow)
        loader.max_nodes = limits.max_nodes
        loader.max_depth = limits.max_depth
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except _TooBig as err:
        message, hint = err.message, err.hint
        if hint == _ALIAS_HINT and "*" not in yaml_text:
            message, hint = message.replace(" (after expanding aliases)", ""), TOO_MANY_VALUES_HINT
        raise InputError(message, code="RULES-E013", file=file, line=err.mark.line + 1,
                         column=err.mark.column + 1, hint=hint,
                         source_line=source_line(text, err.mark.line + 1)) from None
    except yaml.YAMLError as err:
        raise _yaml_error(file, text, err) from None
    except RecursionError:
        raise InputError("YAML nested too deeply", code="RULES-E013", file=file) from None
    except (ValueError, OverflowError) as err:  # chr() of an escape past U+10FFFF ("\U00110000")
        mark = loader.get_mark() if loader is not None else None
        raise _yaml_error(file, text, yaml.MarkedYAMLError(problem=f"bad escape ({err})",
                                                           problem_mark=mark)) from None
    builder = Builder(file, text, limits)
    return (None if node is None else builder.build(node, ())), builder.positions


def read_yaml(yaml_text: str, text: str, file: str, limits: InputLimits) -> tuple[Any, Positions]:
    """The data and positions of ``yaml_text`` (``text`` as the file has it,
    for error lines); an :class:`InputError` for anything wrong with it."""
    read = None
    if _USE_LIBYAML and _CLoader is not None:
        read = _read_fast(yaml_text, text, file, limits)
    if read is None:
        read = _read_reference(yaml_text, text, file, limits)
    return read
