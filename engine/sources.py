"""Reading YAML and JSON safely, keeping every value's position.

``load_document`` returns the data as plain Python values plus a
:class:`Positions` map from a path (``("rules", 3, "when")``) to the line and
column of that value in the file, so every later error can point at its node.

Safety: only plain YAML (no tags that construct objects: a ``!!python/…`` or
any unknown tag is refused), duplicate keys are an error, aliases count toward
a node limit (so an alias "billion laughs" is refused before memory grows),
and files over a size limit are refused. Timestamps stay strings: the event
log layer parses them with its own rules and time zone.

Speed: libyaml (PyYAML's C parser) composes the document when PyYAML has
it, several times faster than the pure-Python reader. Whatever libyaml does
not read cleanly — an error to report, over a limit, or one of the few
things it reads differently (see ``_reads_alike``) — is read again by the
pure-Python reader, which reports it exactly as it always has.
"""

from __future__ import annotations

import bisect
import gc
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import InputError

__all__ = ["Document", "Positions", "load_document", "parse_document", "InputLimits",
           "DEFAULT_INPUT_LIMITS", "offset_to_position"]

Path_ = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class InputLimits:
    """Bounds on one input file."""

    max_bytes: int = 20_000_000
    max_nodes: int = 2_000_000


DEFAULT_INPUT_LIMITS = InputLimits()


@dataclass(frozen=True, slots=True)
class ScalarSource:
    """Where a scalar value sits in the file: its first character's index,
    line and column (1-based), and its style (None plain, '"', "'", '|', '>')."""

    index: int
    line: int
    column: int
    style: str | None
    end_index: int


@dataclass
class Positions:
    """Path → (line, column) of values, and of mapping keys."""

    values: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    scalars: dict[Path_, ScalarSource] = field(default_factory=dict)

    def of(self, path: Path_, *, key: bool = False) -> tuple[int | None, int | None]:
        """The position of ``path`` (or of its key), or of its nearest parent."""
        table = self.keys if key else self.values
        probe = tuple(path)
        while probe:
            if probe in table:
                return table[probe]
            if probe in self.values:
                return self.values[probe]
            probe = probe[:-1]
        return self.values.get((), (1, 1))

    def line(self, path: Path_) -> int | None:
        """The line of ``path``: ``of(path)[0]``."""
        return self.of(path)[0]


class _OneLinePositions:
    """The positions of a one-line JSON document (a line of JSON Lines),
    worked out only when something asks for them — an error to report.

    They come from the same parse as any JSON document's (the YAML parser
    run over the text; see :func:`parse_document`), which is slow: a valid
    line never needs it, as every value of it is on line 1. If that parse
    finds a problem, asking for a position raises the error it would have
    raised up front."""

    def __init__(self, text: str, file: str, limits: InputLimits) -> None:
        self._source: tuple[str, str, InputLimits] | None = (text, file, limits)
        self._positions = Positions()

    def _parsed(self) -> Positions:
        if self._source is not None:
            text, file, limits = self._source
            self._positions = parse_document(text, file, json_only=True, limits=limits,
                                             _lazy_positions=False).positions
            self._source = None
        return self._positions

    @property
    def values(self) -> dict[Path_, tuple[int, int]]:
        return self._parsed().values

    @property
    def keys(self) -> dict[Path_, tuple[int, int]]:
        return self._parsed().keys

    @property
    def scalars(self) -> dict[Path_, ScalarSource]:
        return self._parsed().scalars

    def of(self, path: Path_, *, key: bool = False) -> tuple[int | None, int | None]:
        return self._parsed().of(path, key=key)

    def line(self, path: Path_) -> int | None:
        return 1


@dataclass
class Document:
    """A parsed file: its data, the positions of its values, its text."""

    data: Any
    positions: Positions
    file: str
    text: str

    def where(self, path: Path_, *, key: bool = False) -> dict[str, Any]:
        """Keyword arguments (file, line, column, source_line) for an error."""
        line, column = self.positions.of(path, key=key)
        source_line = None
        if line is not None:
            lines = self.text.splitlines()
            if 0 < line <= len(lines):
                source_line = lines[line - 1]
        return {"file": self.file, "line": line, "column": column, "source_line": source_line}

    def locate_in_scalar(self, path: Path_, offset: int) -> dict[str, Any]:
        """Position of character ``offset`` inside the string value at ``path``."""
        src = self.positions.scalars.get(tuple(path))
        value = _get(self.data, path)
        if src is None or not isinstance(value, str):
            return self.where(path)
        index = _map_offset(self.text, src, value, offset)
        line, column = offset_to_position(self.text, index)
        lines = self.text.splitlines()
        return {"file": self.file, "line": line, "column": column,
                "source_line": lines[line - 1] if 0 < line <= len(lines) else None}


def _get(data: Any, path: Path_) -> Any:
    for step in path:
        try:
            data = data[step]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def offset_to_position(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of ``index`` in ``text``."""
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, column


def _map_offset(text: str, src: ScalarSource, value: str, offset: int) -> int:
    """Index in ``text`` of ``value[offset]``, by walking the raw scalar and the
    value side by side (handles quotes, escapes, folded and block styles)."""
    i = src.index
    if src.style in ('"', "'"):
        i += 1
    elif src.style in ("|", ">"):
        i = text.find("\n", i) + 1  # content starts on the next line
    end = max(src.end_index, i)
    for k, ch in enumerate(value):
        # skip raw characters that do not appear in the value
        while i < end and text[i] != ch:
            if ch == " " and text[i] == "\n":
                break
            i += 1
        if k == offset:
            return min(i, len(text))
        if i < end and ch == " " and text[i] == "\n":
            i += 1
            while i < end and text[i] in " \t":
                i += 1
            continue
        i += 1
    return min(i, len(text))


class _TooBig(yaml.YAMLError):
    """Raised while composing: the document breaks a limit (see ``_Loader``)."""

    def __init__(self, message: str, mark: yaml.Mark, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark
        self.hint = hint


class _Loader(yaml.SafeLoader):
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
    max_depth = 200

    def compose_document(self):  # type: ignore[no-untyped-def]
        self._expanded = 0
        self._depth = -1  # the top value is at depth 0
        self._sizes: dict[int, int] = {}
        return super().compose_document()

    def _count(self, size: int, mark: yaml.Mark) -> None:
        self._expanded += size
        if self._expanded > self.max_nodes:
            raise _TooBig(f"more than {self.max_nodes} values (after expanding aliases)", mark,
                          "is an alias expanding too much?")

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

_STR = "tag:yaml.org,2002:str"
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
    class _CLoader(yaml.CSafeLoader):  # type: ignore[misc,name-defined]
        """libyaml's composer with the resolvers of ``_Loader``. It composes
        the whole document before anything is checked, but it stops (raises
        ``_Refused``) past ``max_nodes`` nodes; aliases are shared nodes, so
        an alias bomb costs no memory here; libyaml refuses nesting deeper
        than 1,000 itself. ``_aliases_fit`` and ``_Builder`` check the limits
        of the reference reader afterwards."""

        yaml_implicit_resolvers = _RESOLVERS

        def __init__(self, stream: str, max_nodes: int) -> None:
            super().__init__(stream)
            # Every node without a tag is resolved, and there are at most as
            # many tagged ones as "!" in the text: counting down from this,
            # composing stops before making more nodes than the limit allows.
            self._budget = max_nodes - stream.count("!")

        def resolve(self, kind, value, implicit):  # type: ignore[no-untyped-def]
            # ``Resolver.resolve`` for a loader without path resolvers, called
            # by libyaml's composer for every node without an explicit tag.
            self._budget -= 1
            if self._budget < 0:
                raise _Refused
            if kind is yaml.ScalarNode:
                if implicit[0]:
                    for tag, regexp in _PLAIN_RESOLVERS.get(value[:1], _ANY_RESOLVERS):
                        if regexp.match(value):
                            return tag
                return _STR
            return _SEQ if kind is yaml.SequenceNode else _MAP
else:  # pragma: no cover - PyYAML without libyaml
    _CLoader = None  # type: ignore[assignment,misc]

_SURROGATE = re.compile("[\ud800-\udfff]")

# Characters that the YAML reader refuses, skips (a BOM) or takes for line
# breaks, and a tab.
_NOT_YAML_IN_JSON = re.compile("[^\n\r\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")

_SAFE_TAGS = {
    "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null", "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
}

# Keys that ``SafeConstructor.flatten_mapping`` rewrites: ``<<`` and ``=``.
_MERGE_TAGS = {"tag:yaml.org,2002:merge", "tag:yaml.org,2002:value"}

_BOOL_VALUES = yaml.constructor.SafeConstructor.bool_values
_construct_int = yaml.constructor.SafeConstructor.construct_yaml_int

_ScalarNode = yaml.ScalarNode
_MappingNode = yaml.MappingNode


def _scalar_source_maker() -> Any:
    """A function making a ``ScalarSource`` twice as fast as its ``__init__``
    (a frozen dataclass sets each field through ``object.__setattr__``): the
    reader makes one for every scalar of a document."""
    new = object.__new__
    set_index, set_line, set_column, set_style, set_end = (
        ScalarSource.__dict__[name].__set__ for name in ("index", "line", "column", "style", "end_index"))

    def make(index: int, line: int, column: int, style: str | None, end_index: int) -> ScalarSource:
        source = new(ScalarSource)
        set_index(source, index)
        set_line(source, line)
        set_column(source, column)
        set_style(source, style)
        set_end(source, end_index)
        return source

    return make


_source = _scalar_source_maker()


def _aliases_fit(root: yaml.Node, max_nodes: int, max_depth: int = 200) -> bool:
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
        if node.__class__ is not _ScalarNode:
            open_.add(key)
            if node.__class__ is _MappingNode:
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

    (``_Builder`` finds one more: see ``_flow_differs``.)
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
            if node.__class__ is _ScalarNode or not node.value:
                break
            node = node.value[-1][1] if node.__class__ is _MappingNode else node.value[-1]
        mark = node.start_mark
        if node.__class__ is _ScalarNode and mark.index + shift >= len(text) and mark.column == 0:
            return False
    return True


class _ReadsDifferently(Exception):
    """``_Builder``: libyaml read this text differently from the reference reader."""


def _flow_differs(node: yaml.Node) -> bool:
    """Whether ``node``, an item of a collection in brackets or braces, is a
    plain scalar that libyaml reads differently from the reference reader: an
    empty one (``{a: }``, ``[? ]``) is placed at the next token by libyaml,
    right after its indicator by the other, and a tag right before a comma
    (``[!!str, a]``) ends at it for libyaml, takes it in for the other; a
    ``?`` inside one (``[what?]``) is text for libyaml, a key for the other."""
    return node.__class__ is _ScalarNode and not node.style and (not node.value or "?" in node.value)


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
        if node.__class__ is _ScalarNode:
            start = node.start_mark.index + shift
            # (a scalar with a tag or an anchor starts at that: no span then)
            if node.style in ('"', "'") and text.startswith(node.style, start):
                spans.append((start + 1, node.end_mark.index + shift - 1))
        elif node.__class__ is _MappingNode:
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


class _Builder:
    """Plain values and their positions from a composed document, with the
    checks of every value: tags, keys, values, limits (see ``build``)."""

    def __init__(self, doc_file: str, text: str, limits: InputLimits, *,
                 libyaml: bool = False, index_shift: int = 0) -> None:
        self.file = doc_file
        self.text = text
        self.limits = limits
        self.max_nodes = limits.max_nodes
        self.count = 0
        self.positions = Positions()
        self.values = self.positions.values
        self.keys = self.positions.keys
        self.scalars = self.positions.scalars
        # Composed by libyaml: no lone surrogate (it refuses the \u escape of
        # one), and a few things to hand over to the reference reader (see
        # ``_flow_differs``).
        self.libyaml = libyaml
        self.check_surrogates = not libyaml
        # libyaml's character indexes do not count a byte order mark
        self.index_shift = index_shift
        self.constructor = yaml.constructor.SafeConstructor()

    def error(self, node: yaml.Node, message: str, code: str, hint: str | None = None) -> InputError:
        mark = node.start_mark
        lines = self.text.splitlines()
        src = lines[mark.line] if mark.line < len(lines) else None
        return InputError(message, code=code, file=self.file, line=mark.line + 1,
                          column=mark.column + 1, hint=hint, source_line=src)

    def _too_many(self, node: yaml.Node) -> InputError:
        return self.error(node, f"more than {self.max_nodes} values (after expanding aliases)",
                          "RULES-E013", "is an alias expanding too much?")

    def build(self, node: yaml.Node, path: Path_, depth: int = 0) -> Any:
        """The value of ``node`` at ``path``, recording the positions of it
        and of everything in it. Aliases are expanded: each use is a value of
        its own, with the positions of the value it names."""
        self.count += 1
        if self.count > self.max_nodes:
            raise self._too_many(node)
        if depth > 200:
            raise self.error(node, "nested deeper than 200 levels", "RULES-E013")
        mark = node.start_mark
        self.values[path] = (mark.line + 1, mark.column + 1)
        tag = node.tag
        if tag not in _SAFE_TAGS:
            raise self.error(node, f"unsupported YAML tag {tag!r}", "RULES-E012",
                             "remove the tag: only plain YAML values are accepted")
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            return self._sequence(node, path, depth)
        assert isinstance(node, yaml.ScalarNode)
        self.scalars[path] = _source(mark.index + self.index_shift, mark.line + 1, mark.column + 1,
                                          node.style or None, node.end_mark.index + self.index_shift)
        return self._scalar(node, tag)

    def _scalar(self, node: yaml.ScalarNode, tag: str) -> Any:
        """The value of a scalar of a safe tag."""
        value: Any
        if tag == _STR:
            value = node.value
        elif tag == "tag:yaml.org,2002:bool" and node.value.lower() in _BOOL_VALUES:
            return _BOOL_VALUES[node.value.lower()]
        elif tag == "tag:yaml.org,2002:null":
            return None
        else:
            try:
                if tag == "tag:yaml.org,2002:int":
                    return _construct_int(self.constructor, node)
                value = self.constructor.construct_object(node, deep=True)
            except (yaml.YAMLError, ValueError, OverflowError) as err:
                raise self.error(node, f"bad value: {err}", "RULES-E010") from None
            except (KeyError, IndexError):  # `!!bool maybe`, `!!int ''`
                raise self.error(node, f"bad value: {node.value!r} is not a {tag.rpartition(':')[2]}",
                                 "RULES-E010") from None
        if self.check_surrogates and isinstance(value, str) and _SURROGATE.search(value):
            value = self._unicode(node, value)
        return value

    def _mapping(self, node: yaml.MappingNode, path: Path_, depth: int) -> dict[Any, Any]:
        # On libyaml's nodes: a plain scalar in braces that is empty or holds
        # a "?" is read differently by the reference reader (``_flow_differs``).
        flow = self.libyaml and node.flow_style
        for key_node, _ in node.value:
            if key_node.tag in _MERGE_TAGS:
                try:
                    self.constructor.flatten_mapping(node)
                except yaml.YAMLError as err:  # a merge key (<<) of something not a mapping
                    at = yaml.ScalarNode("", "", getattr(err, "problem_mark", None) or node.start_mark)
                    raise self.error(at, f"bad merge key: {getattr(err, 'problem', None) or err}",
                                     "RULES-E010") from None
                flow = self.libyaml  # merged in from mappings in braces, maybe
                break
        result: dict[Any, Any] = {}
        values, keys, scalars = self.values, self.keys, self.scalars
        shift = self.index_shift
        fast = depth < 200
        check = self.check_surrogates
        key_path = path + ("<key>",)
        # The last key, when read here: its ScalarSource is recorded at
        # ``key_path`` after the loop, as ``build`` would have left it.
        last_key = None
        for key_node, value_node in node.value:
            if fast and key_node.tag == _STR and key_node.__class__ is _ScalarNode:
                self.count += 1
                if self.count > self.max_nodes:
                    raise self._too_many(key_node)
                mark = key_node.start_mark
                key = key_node.value
                if flow and not key_node.style and (not key or "?" in key):
                    raise _ReadsDifferently
                if check and _SURROGATE.search(key):
                    key = self._unicode(key_node, key)
                last_key = key_node
            else:
                if flow and _flow_differs(key_node):
                    raise _ReadsDifferently
                key = self.build(key_node, key_path, depth + 1)
                last_key = None
                if isinstance(key, (dict, list)):
                    raise self.error(key_node, "a mapping key must be a plain value", "RULES-E010")
                mark = key_node.start_mark
            if key in result:
                first = keys.get(path + (key,))
                where = f" (first at line {first[0]})" if first else ""
                raise self.error(key_node, f"duplicate key {key!r}{where}", "RULES-E011",
                                 "each key may appear once; a repeated key would silently drop the first")
            value_path = path + (key,)
            keys[value_path] = (mark.line + 1, mark.column + 1)
            if fast and value_node.tag == _STR and value_node.__class__ is _ScalarNode:
                self.count += 1
                if self.count > self.max_nodes:
                    raise self._too_many(value_node)
                mark = value_node.start_mark
                line, column = mark.line + 1, mark.column + 1
                values[value_path] = (line, column)
                style = value_node.style
                scalars[value_path] = _source(mark.index + shift, line, column, style or None,
                                              value_node.end_mark.index + shift)
                value = value_node.value
                if flow and not style and (not value or "?" in value):
                    raise _ReadsDifferently
                if check and _SURROGATE.search(value):
                    value = self._unicode(value_node, value)
                result[key] = value
                if value_path == key_path:  # a key "<key>": its value's source is the last
                    last_key = None
            else:
                if flow and _flow_differs(value_node):
                    raise _ReadsDifferently
                result[key] = self.build(value_node, value_path, depth + 1)
                if value_path == key_path and value_node.__class__ is _ScalarNode:
                    last_key = None
        if last_key is not None:
            mark = last_key.start_mark
            scalars[key_path] = _source(mark.index + shift, mark.line + 1, mark.column + 1,
                                        last_key.style or None, last_key.end_mark.index + shift)
        values.pop(key_path, None)
        return result

    def _sequence(self, node: yaml.SequenceNode, path: Path_, depth: int) -> list[Any]:
        flow = self.libyaml and node.flow_style
        if depth >= 200:
            return [self.build(item, path + (i,), depth + 1) for i, item in enumerate(node.value)]
        result = []
        values, scalars = self.values, self.scalars
        shift = self.index_shift
        check = self.check_surrogates
        for i, item in enumerate(node.value):
            item_path = path + (i,)
            if item.tag == _STR and item.__class__ is _ScalarNode:
                self.count += 1
                if self.count > self.max_nodes:
                    raise self._too_many(item)
                mark = item.start_mark
                line, column = mark.line + 1, mark.column + 1
                values[item_path] = (line, column)
                style = item.style
                scalars[item_path] = _source(mark.index + shift, line, column, style or None,
                                             item.end_mark.index + shift)
                value = item.value
                if flow and not style and (not value or "?" in value):
                    raise _ReadsDifferently
                if check and _SURROGATE.search(value):
                    value = self._unicode(item, value)
                result.append(value)
            else:
                if flow and _flow_differs(item):
                    raise _ReadsDifferently
                result.append(self.build(item, item_path, depth + 1))
        return result

    def _unicode(self, node: yaml.Node, value: str) -> str:
        """``value`` with escaped surrogate pairs (``"\\ud83d\\ude00"``) joined
        into one character. A lone surrogate is not a character: it could not
        be printed or written as UTF-8 later, so it is an error here."""
        try:
            return value.encode("utf-16-le", "surrogatepass").decode("utf-16-le")
        except UnicodeDecodeError:
            pass
        i = 0
        while i < len(value):
            code = ord(value[i])
            if 0xD800 <= code <= 0xDBFF and i + 1 < len(value) and 0xDC00 <= ord(value[i + 1]) <= 0xDFFF:
                i += 2
                continue
            if 0xD800 <= code <= 0xDFFF:
                break
            i += 1
        raise self.error(node, f"\\u{code:04x} is half of a UTF-16 surrogate pair, not a character",
                         "RULES-E010", "write the character itself, or both halves of its pair")


def _yaml_error(file: str, text: str, err: yaml.YAMLError) -> InputError:
    mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
    problem = getattr(err, "problem", None) or str(err)
    line = column = None
    src = None
    if mark is not None:
        line, column = mark.line + 1, mark.column + 1
        lines = text.splitlines()
        src = lines[mark.line] if mark.line < len(lines) else None
    code = "RULES-E012" if "tag" in str(problem) else "RULES-E010"
    return InputError(f"invalid YAML: {problem}", code=code, file=file, line=line, column=column,
                      source_line=src, hint="check the indentation and quoting around this point")


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class _KeyProblem(Exception):
    pass


def _plain_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``object_pairs_hook`` of ``json.loads``: a dict, unless a key repeats
    or is long (see :func:`_one_line_json`)."""
    result = dict(pairs)
    if len(result) != len(pairs) or (pairs and max(map(len, result)) > 80):
        raise _KeyProblem
    return result


def _one_line_json(text: str, limits: InputLimits) -> Any:
    """The data of ``text`` if it is one line of JSON whose positions can wait
    (see :class:`_OneLinePositions`): the YAML parse for positions would find
    nothing wrong with it — no repeated key, no (escaped) surrogate, nothing
    over a limit — and every value of it is on line 1. Else ``_NO_DATA``."""
    end = len(text) - 1 if text.endswith("\n") else len(text)
    if "\n" in text[:end] or "\r" in text or len(text) > limits.max_nodes \
            or _SURROGATE_ESCAPE.search(text) or _SURROGATE.search(text):
        return _NO_DATA
    # The YAML parser takes a key for one only within 1024 characters of its
    # ':'. A key of at most 80 characters is at most 482 in JSON (with \uXXXX
    # escapes), and at most 63 blanks can stand before its ':'.
    if len(text) > 480 and _LONG_BLANKS.search(text):
        return _NO_DATA
    try:
        data = json.loads(text, object_pairs_hook=_plain_keys)
    except (ValueError, RecursionError, _KeyProblem):  # the full parse says what is wrong
        return _NO_DATA
    if text.count("[") + text.count("{") > 200:  # maybe nested deeper than allowed
        stack = [(data, 0)]
        while stack:
            value, depth = stack.pop()
            if depth > 200:
                return _NO_DATA
            if isinstance(value, dict):
                stack.extend((v, depth + 1) for v in value.values())
            elif isinstance(value, list):
                stack.extend((v, depth + 1) for v in value)
    return data


_LONG_BLANKS = re.compile("[ \t]{64}")


_NO_DATA = object()


@contextmanager
def _no_collection() -> Iterator[None]:
    """The garbage collector paused (if it runs): libyaml and ``_Builder``
    make a few objects per character of the document, none of them in a
    reference cycle, and the collections they would set off — each going
    over every object of the process, and more of them as the document
    grows — took about half of the time of reading a large file."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _read_fast(yaml_text: str, text: str, file: str, limits: InputLimits) -> tuple[Any, Positions] | None:
    """The data and positions of ``yaml_text`` read with libyaml, or None when
    it has anything to report (or libyaml reads it differently from the
    reference reader): the reference reader then reads it again and says
    what is wrong exactly as it always has, at the same line and column."""
    try:
        node = _CLoader(yaml_text, limits.max_nodes).get_single_node()
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
            and not _aliases_fit(node, limits.max_nodes):
        return None
    shift = 1 if yaml_text.startswith("\ufeff") else 0
    if not _reads_alike(yaml_text, node, shift):
        return None
    if "\t" in yaml_text and not _tabs_are_quoted(yaml_text, node, shift):
        return None
    builder = _Builder(file, text, limits, libyaml=True, index_shift=shift)
    try:
        data = builder.build(node, ())
    except (InputError, _ReadsDifferently):
        return None
    return data, builder.positions


def _read_reference(yaml_text: str, text: str, file: str, limits: InputLimits) -> tuple[Any, Positions]:
    """The data and positions of ``yaml_text`` read with the pure-Python
    reader (``_Loader``), which stops at the first problem."""
    loader = None
    try:
        loader = _Loader(yaml_text)  # (refuses characters YAML does not allow)
        loader.max_nodes = limits.max_nodes
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except _TooBig as err:
        lines = text.splitlines()
        raise InputError(err.message, code="RULES-E013", file=file, line=err.mark.line + 1,
                         column=err.mark.column + 1, hint=err.hint,
                         source_line=lines[err.mark.line] if err.mark.line < len(lines) else None) from None
    except yaml.YAMLError as err:
        raise _yaml_error(file, text, err) from None
    except RecursionError:
        raise InputError("YAML nested too deeply", code="RULES-E013", file=file) from None
    except (ValueError, OverflowError) as err:  # chr() of an escape past U+10FFFF ("\U00110000")
        mark = loader.get_mark() if loader is not None else None
        raise _yaml_error(file, text, yaml.MarkedYAMLError(problem=f"bad escape ({err})",
                                                           problem_mark=mark)) from None
    builder = _Builder(file, text, limits)
    return (None if node is None else builder.build(node, ())), builder.positions


def parse_document(text: str, file: str = "<input>", *, json_only: bool = False,
                   limits: InputLimits = DEFAULT_INPUT_LIMITS,
                   _lazy_positions: bool = True) -> Document:
    """Parse YAML (or JSON, a subset here) ``text`` with positions."""
    if len(text.encode("utf-8", "surrogatepass")) > limits.max_bytes:
        raise InputError(f"file is larger than {limits.max_bytes} bytes", code="RULES-E013",
                         file=file, hint="split the input or raise the limit")
    parsed: Any = None
    if json_only and _lazy_positions:
        # A line of JSON Lines: its values now, its positions when needed.
        data = _one_line_json(text, limits)
        if data is not _NO_DATA:
            return Document(data, _OneLinePositions(text, file, limits), file, text)  # type: ignore[arg-type]
    if json_only:
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError as err:
            lines = text.splitlines()
            raise InputError(f"invalid JSON: {err.msg}", code="RULES-E014", file=file,
                             line=err.lineno, column=err.colno,
                             source_line=lines[err.lineno - 1] if 0 < err.lineno <= len(lines) else None) from None
        except RecursionError:
            raise InputError("JSON nested too deeply", code="RULES-E013", file=file) from None
    # JSON is read twice: by ``json`` for its values (numbers such as 1e3,
    # surrogate pairs in \u escapes) and by the YAML parser for positions and
    # duplicate keys. A tab outside a string (a string cannot hold a raw tab)
    # is plain JSON whitespace but not YAML, so it becomes a space: same columns.
    # So do the characters a JSON string may hold raw but YAML refuses (DEL,
    # C1 controls) or reads as line breaks (NEL, U+2028, U+2029): the values
    # come from ``json``, and positions stay the same.
    yaml_text = _NOT_YAML_IN_JSON.sub(" ", text) if json_only else text
    read = None
    if _USE_LIBYAML and _CLoader is not None:
        with _no_collection():
            read = _read_fast(yaml_text, text, file, limits)
    if read is None:
        read = _read_reference(yaml_text, text, file, limits)
    data, positions = read
    if json_only:
        data = parsed
    return Document(data, positions, file, text)


def load_document(path: str | Path, *, display: str | None = None,
                  limits: InputLimits = DEFAULT_INPUT_LIMITS) -> Document:
    """Read and parse a YAML or JSON file (JSON when it ends in ``.json``)."""
    p = Path(path)
    name = display or str(path)
    try:
        size = p.stat().st_size
        if size > limits.max_bytes:
            raise InputError(f"file is {size} bytes, over the limit of {limits.max_bytes}",
                             code="RULES-E013", file=name, hint="split the input or raise the limit")
        text = p.read_text("utf-8")
    except FileNotFoundError:
        raise InputError("no such file", code="RULES-E051", file=name) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a file", code="RULES-E051", file=name) from None
    except UnicodeDecodeError as err:
        raise InputError(f"not UTF-8 text ({err.reason} at byte {err.start})", code="RULES-E051",
                         file=name) from None
    except OSError as err:
        raise InputError(f"cannot read: {err.strerror}", code="RULES-E051", file=name) from None
    return parse_document(text, name, json_only=p.suffix.lower() == ".json", limits=limits)
