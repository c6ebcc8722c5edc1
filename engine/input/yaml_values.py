"""Plain values and their positions from a composed YAML document.

``Builder`` walks the nodes that either reader (``engine.input.yaml_reader``)
composed and makes plain Python values of them — dicts, lists, text,
numbers, booleans, null — recording the line and column of every value and
key, and checking every value on the way: only plain YAML tags, no
duplicate keys, nothing over the limits, no lone surrogates.
"""

from __future__ import annotations

from typing import Any

import yaml

from engine.errors import InputError
from engine.input.positions import (SURROGATE, TOO_MANY_VALUES_HINT, InputLimits, Path_, Positions, ScalarSource,
                                    source_line)

__all__ = ["STR_TAG", "Builder", "MappingNode", "ScalarNode", "ReadsDifferently", "flow_differs"]

STR_TAG = "tag:yaml.org,2002:str"

_SAFE_TAGS = {
    "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null", "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
}

# Keys that ``SafeConstructor.flatten_mapping`` rewrites: ``<<`` and ``=``.
_MERGE_TAGS = {"tag:yaml.org,2002:merge", "tag:yaml.org,2002:value"}

_BOOL_VALUES = yaml.constructor.SafeConstructor.bool_values
_construct_int = yaml.constructor.SafeConstructor.construct_yaml_int

ScalarNode = yaml.ScalarNode
MappingNode = yaml.MappingNode


def _scalar_source_maker() -> Any:
    """A function making a ``ScalarSource`` without its ``__init__`` (a frozen
    dataclass sets each field through ``object.__setattr__``): the reader
    makes one for every scalar of a document."""
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

class ReadsDifferently(Exception):
    """``Builder``: libyaml read this text differently from the reference reader."""


def flow_differs(node: yaml.Node) -> bool:
    """Whether ``node``, an item of a collection in brackets or braces, is a
    plain scalar that libyaml reads differently from the reference reader: an
    empty one (``{a: }``, ``[? ]``) is placed at the next token by libyaml,
    right after its indicator by the other, and a tag right before a comma
    (``[!!str, a]``) ends at it for libyaml, takes it in for the other; a
    ``?`` inside one (``[what?]``) is text for libyaml, a key for the other."""
    return node.__class__ is ScalarNode and not node.style and (not node.value or "?" in node.value)

class Builder:
    """Plain values and their positions from a composed document, with the
    checks of every value: tags, keys, values, limits (see ``build``)."""

    def __init__(self, doc_file: str, text: str, limits: InputLimits, *,
                 libyaml: bool = False, index_shift: int = 0, step: Any = None) -> None:
        self.file = doc_file
        self.text = text
        self.limits = limits
        self.max_nodes = limits.max_nodes
        self.max_depth = limits.max_depth
        self.count = 0
        self.positions = Positions()
        self.values = self.positions.values
        self.keys = self.positions.keys
        self.scalars = self.positions.scalars
        # Composed by libyaml: no lone surrogate (it refuses the \u escape of
        # one), and a few things to hand over to the reference reader (see
        # ``flow_differs``).
        self.libyaml = libyaml
        self.check_surrogates = not libyaml
        # Each part of libyaml's tree is let go of once built (the tree is
        # not read again): the peak memory is then about the larger of tree
        # and values, not their sum. Not with aliases: a node is built again
        # at each alias of it.
        self.release = libyaml and "*" not in text
        # called every 4,096 items of a sequence (see yaml_budget.out_of_the_collectors_way)
        self.step = step
        # libyaml's character indexes do not count a byte order mark
        self.index_shift = index_shift
        self.constructor = yaml.constructor.SafeConstructor()

    def error(self, node: yaml.Node, message: str, code: str, hint: str | None = None) -> InputError:
        mark = node.start_mark
        return InputError(message, code=code, file=self.file, line=mark.line + 1,
                          column=mark.column + 1, hint=hint, source_line=source_line(self.text, mark.line + 1))

    def _too_many(self, node: yaml.Node) -> InputError:
        if "*" not in self.text:
            return self.error(node, f"more than {self.max_nodes} values", "RULES-E013", TOO_MANY_VALUES_HINT)
        return self.error(node, f"more than {self.max_nodes} values (after expanding aliases)",
                          "RULES-E013", "is an alias expanding too much?")

    def build(self, node: yaml.Node, path: Path_, depth: int = 0) -> Any:
        """The value of ``node`` at ``path``, recording the positions of it
        and of everything in it. Aliases are expanded: each use is a value of
        its own, with the positions of the value it names."""
        self.count += 1
        if self.count > self.max_nodes:
            raise self._too_many(node)
        if depth > self.max_depth:
            raise self.error(node, f"nested deeper than {self.max_depth} levels", "RULES-E013")
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
        if not isinstance(node, yaml.ScalarNode):
            raise TypeError(f"not a YAML node: {node!r}")
        self.scalars[path] = _source(mark.index + self.index_shift, mark.line + 1, mark.column + 1,
                                          node.style or None, node.end_mark.index + self.index_shift)
        return self._scalar(node, tag)

    def _scalar(self, node: yaml.ScalarNode, tag: str) -> Any:
        """The value of a scalar of a safe tag."""
        value: Any
        if tag == STR_TAG:
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
        if self.check_surrogates and isinstance(value, str) and SURROGATE.search(value):
            value = self._unicode(node, value)
        return value

    def _mapping(self, node: yaml.MappingNode, path: Path_, depth: int) -> dict[Any, Any]:
        # On libyaml's nodes: a plain scalar in braces that is empty or holds
        # a "?" is read differently by the reference reader (``flow_differs``).
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
        fast = depth < self.max_depth
        check = self.check_surrogates
        key_path = path + ("<key>",)
        # The last key, when read here: its ScalarSource is recorded at
        # ``key_path`` after the loop, as ``build`` would have left it.
        last_key = None
        pairs = node.value
        release = self.release
        for index, (key_node, value_node) in enumerate(pairs):
            if release:
                pairs[index] = None
            if fast and key_node.tag == STR_TAG and key_node.__class__ is ScalarNode:
                self.count += 1
                if self.count > self.max_nodes:
                    raise self._too_many(key_node)
                mark = key_node.start_mark
                key = key_node.value
                if flow and not key_node.style and (not key or "?" in key):
                    raise ReadsDifferently
                if check and SURROGATE.search(key):
                    key = self._unicode(key_node, key)
                last_key = key_node
            else:
                if flow and flow_differs(key_node):
                    raise ReadsDifferently
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
            if fast and value_node.tag == STR_TAG and value_node.__class__ is ScalarNode:
                result[key] = self._text(value_node, value_path, flow)
                if value_path == key_path:  # a key "<key>": its value's source is the last
                    last_key = None
            else:
                if flow and flow_differs(value_node):
                    raise ReadsDifferently
                result[key] = self.build(value_node, value_path, depth + 1)
                if value_path == key_path and value_node.__class__ is ScalarNode:
                    last_key = None
        if last_key is not None:
            mark = last_key.start_mark
            scalars[key_path] = _source(mark.index + shift, mark.line + 1, mark.column + 1,
                                        last_key.style or None, last_key.end_mark.index + shift)
        values.pop(key_path, None)
        return result

    def _text(self, node: yaml.ScalarNode, path: Path_, flow: Any) -> str:
        """A plain text scalar, a value of a mapping or an item of a sequence
        (nearly every scalar: the quick way, without ``build``'s dispatch)."""
        self.count += 1
        if self.count > self.max_nodes:
            raise self._too_many(node)
        mark = node.start_mark
        line, column = mark.line + 1, mark.column + 1
        self.values[path] = (line, column)
        style = node.style
        shift = self.index_shift
        self.scalars[path] = _source(mark.index + shift, line, column, style or None,
                                     node.end_mark.index + shift)
        value: str = node.value
        if flow and not style and (not value or "?" in value):
            raise ReadsDifferently
        if self.check_surrogates and SURROGATE.search(value):
            value = self._unicode(node, value)
        return value

    def _sequence(self, node: yaml.SequenceNode, path: Path_, depth: int) -> list[Any]:
        flow = self.libyaml and node.flow_style
        if depth >= self.max_depth:
            return [self.build(item, path + (i,), depth + 1) for i, item in enumerate(node.value)]
        result = []
        items = node.value
        release = self.release
        step = self.step
        for i, item in enumerate(items):
            if release:
                items[i] = None
            if step is not None and not i & 0xFFF:
                step()
            item_path = path + (i,)
            if item.tag == STR_TAG and item.__class__ is ScalarNode:
                result.append(self._text(item, item_path, flow))
            else:
                if flow and flow_differs(item):
                    raise ReadsDifferently
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
