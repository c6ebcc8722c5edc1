"""Checked AST → fast Python function (the reference, tracing interpreter is
``engine.language.interpreter``).

The fast path is Python source generated from the checked AST only (user text
never reaches it: names are validated identifiers, every literal is passed in
as a constant) and compiled once. Where every fact a condition reads is known,
it runs as plain Python; otherwise it falls back to the Kleene (null-aware)
form of the same expression. The tracing variant is a separate interpreter
chosen by the caller, so the fast path pays nothing for tracing.

(A little over 400 lines: the generator's plain and Kleene forms of each
node share their helpers and are read side by side, so they stay together.)
"""

from __future__ import annotations

import marshal
from types import FunctionType
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

from engine.language.checker import Checked
from engine.language.interpreter import MISSING, NO_MEMO, NoMemo, Trace, get_field, interpret
from engine.language.builtins import FunctionSpec
from engine.language.nodes import (Attribute, Binary, BoolOp, Call, ListExpr, Literal, Name,
                    Node, Unary, walk)
from engine.language.printer import to_text
from engine.language.semantics import binary

__all__ = ["CompiledExpr", "compile_checked", "compile_rule_set", "interpret", "get_field", "NoMemo"]

# Generated code for a sub-expression: (None, code) — code that computes its
# Kleene value — or (facts, code) — null when one of those fact variables is
# None, else the plain value ``code``; (): never null.
_Part = tuple["tuple[str, ...] | None", str]


class CompiledExpr:
    """A checked expression ready to run: ``expr(facts)`` is the fast path,
    ``expr.trace(facts)`` the recording one. Immutable, shareable across
    threads, picklable (the generated function is rebuilt on unpickling)."""

    # ``__call__`` is a slot, not a method: ``expr(facts)`` finds the generated
    # function in the instance through one C-level descriptor and calls it,
    # instead of entering a Python ``__call__`` frame that then calls it — the
    # frame cost more than evaluating a typical condition.
    __slots__ = ("checked", "functions", "fn", "generated", "__call__")

    if TYPE_CHECKING:  # for type checkers: at run time ``__call__`` is the slot above
        def __call__(self, facts: Mapping[str, Any]) -> Any: ...

    def __init__(self, checked: Checked, functions: Mapping[str, FunctionSpec]) -> None:
        self.checked = checked
        self.functions = {name: functions[name] for name in sorted(checked.functions)}
        # ``fn`` is the generated function itself: hot loops (the evaluator)
        # call it directly and skip even the slot lookup of ``expr(facts)``.
        self.fn, self.generated = _build(checked.node, self.functions)
        self.__call__ = self.fn  # type: ignore[method-assign,assignment]  # the slot; see __slots__

    @property
    def node(self) -> Node:
        return self.checked.node

    def trace(self, facts: Mapping[str, Any]) -> tuple[Any, Trace]:
        record: Trace = []
        value = interpret(self.checked.node, facts, self.functions, record)
        return value, record

    def __reduce__(self) -> tuple[Any, ...]:
        return (CompiledExpr, (self.checked, self.functions))

    def reduce_with_code(self) -> tuple[Any, ...]:
        """A pickle for this interpreter only (the on-disk cache, keyed by
        the interpreter): the generated function travels as its marshalled
        code and constants, so unpickling compiles nothing."""
        if not self.generated:
            return self.__reduce__()
        namespace = {k: v for k, v in self.fn.__globals__.items() if k not in ("__builtins__", "_condition")}
        return (_restore, (self.checked, self.functions, marshal.dumps(self.fn.__code__), namespace))


def _restore(checked: Checked, functions: dict[str, FunctionSpec], code: bytes,
             namespace: dict[str, Any]) -> CompiledExpr:
    expr = CompiledExpr.__new__(CompiledExpr)
    expr.checked = checked
    expr.functions = functions
    expr.fn = FunctionType(marshal.loads(code), namespace)  # noqa: S302 - code we compiled, from our cache
    expr.generated = True
    expr.__call__ = expr.fn  # type: ignore[method-assign]
    return expr


def compile_checked(checked: Checked, functions: Mapping[str, FunctionSpec]) -> CompiledExpr:
    """Compile a checked expression; ``functions`` maps names to their specs."""
    return CompiledExpr(checked, functions)


# -- code generation ------------------------------------------------------------

def _build(node: Node, functions: Mapping[str, FunctionSpec]) -> tuple[Callable[[Any], Any], bool]:
    gen = _Generator(functions)
    try:
        source = gen.function(node)
        namespace: dict[str, Any] = dict(gen.constants)
        code = compile(source, "<condition>", "exec")
        exec(code, namespace)  # noqa: S102 - source generated from the checked AST only
        return namespace["_condition"], True
    except (SyntaxError, RecursionError, MemoryError, ValueError):
        # Python's own parser limits nesting; very deep (but legal) conditions
        # run on the interpreter instead.
        def run(facts: Mapping[str, Any]) -> Any:
            return interpret(node, facts, functions)
        return run, False


def compile_rule_set(conditions: Sequence[CompiledExpr], indices: Sequence[tuple[int, ...]],
                     prefetch: Sequence[tuple[str, Callable[[Any], Any]]] = ()
                     ) -> Callable[[Any], list[int]] | None:
    """One generated function evaluating every condition of a rule set:
    ``fired(ctx)`` is the sorted list of the indices in ``indices[i]`` for
    each ``conditions[i]`` that is true in ``ctx`` — what calling each
    condition in turn gives, with facts and shared calls read once and one
    call in all. ``prefetch``: facts (name, function of the context) to
    compute first, in this order, and store in the context (which must be a
    dict) — for facts a missing-key lookup would compute the same way. None
    where a condition has no generated form."""
    if not all(c.generated for c in conditions):
        return None
    functions: dict[str, FunctionSpec] = {}
    for c in conditions:
        functions.update(c.functions)
    gen = _Generator(functions)
    try:
        source = gen.rule_set([c.checked.node for c in conditions], indices, prefetch)
        namespace: dict[str, Any] = dict(gen.constants)
        exec(compile(source, "<rule set>", "exec"), namespace)  # noqa: S102 - from checked ASTs only
    except (SyntaxError, RecursionError, MemoryError, ValueError):
        return None
    fired: Callable[[Any], list[int]] = namespace["_fired"]
    return fired


class _Generator:
    def __init__(self, functions: Mapping[str, FunctionSpec]) -> None:
        self.functions = functions
        self.constants: dict[str, Any] = {"_get_field": get_field, "_binary": binary}
        self.counter = 0
        self.locals: dict[str, str] = {}
        self.shared: dict[int, str] = {}  # id(Call node) -> local holding its shared result
        self.shared_keys: dict[str, str] = {}  # a shared call's text -> its local

    def temp(self) -> str:
        self.counter += 1
        return f"_t{self.counter}"

    def const(self, value: Any) -> str:
        if value is None or isinstance(value, bool) or (type(value) is int and -1000 < value < 1000):
            return repr(value)
        name = f"_k{len(self.constants)}"
        self.constants[name] = value
        return name

    def func(self, name: str) -> str:
        ref = f"_fn_{name}"
        self.constants[ref] = self.functions[name].impl
        return ref

    def function(self, node: Node) -> str:
        names = sorted({n.name for n in walk(node) if isinstance(n, Name)})
        self.locals = {name: f"_v{i}" for i, name in enumerate(names)}
        lines = ["def _condition(f):"]
        for name, var in self.locals.items():
            lines.append(f"    {var} = f[{name!r}]")
        lines += self._shared_calls(node)
        kleene = self.kleene(node)
        if self._fast_path_ok(node) and self.locals:
            guard = " and ".join(f"{v} is not None" for v in self.locals.values())
            lines.append(f"    if {guard}:")
            lines.append(f"        return {self.plain(node)}")
        lines.append(f"    return {kleene}")
        return "\n".join(lines) + "\n"

    def _shared_calls(self, node: Node, memo: bool = True) -> list[str]:
        """Calls of context-reading functions on facts and constants
        (``days_since(deadline)``) are computed once per evaluation: the first
        rule to need one stores it in the context's ``memo`` under its text,
        every other rule finds it there (a context without ``memo`` shares
        nothing). Returns the lines that load them. Without ``memo`` (one
        function for a whole rule set) each is a local, computed before its
        first use."""
        lines: list[str] = []
        keys = self.shared_keys
        for n in walk(node):
            if not (isinstance(n, Call) and self.functions[n.func].shared):
                continue
            if not all(isinstance(a, (Name, Literal)) for a in (*n.args, *(k.value for k in n.keywords))):
                continue
            key = to_text(n)
            if key not in keys:
                var = keys[key] = f"_c{len(keys)}"
                call = self._call(n, self.plain_or_null)
                if not memo:
                    lines.append(f"    {var} = {call}")
                else:
                    if not lines:
                        self.constants["_MISSING"] = MISSING
                        self.constants["_NO_MEMO"] = NO_MEMO
                        lines.append("    _m = getattr(f, 'memo', _NO_MEMO)")
                    k = self.const(key)
                    lines.append(f"    {var} = _m.get({k}, _MISSING)")
                    lines.append(f"    if {var} is _MISSING:")
                    lines.append(f"        {var} = _m[{k}] = {call}")
            self.shared[id(n)] = keys[key]
        return lines

    def rule_set(self, nodes: Sequence[Node], indices: Sequence[tuple[int, ...]],
                 prefetch: Sequence[tuple[str, Callable[[Any], Any]]] = ()) -> str:
        """One function for many conditions: ``_fired(f)`` gives the sorted
        indices of the rules whose condition is true — ``indices[i]`` are the
        rules of ``nodes[i]``. Facts and shared calls are locals read once;
        each condition is its fast form where its facts are known, else its
        Kleene form, as :meth:`function` writes it."""
        names = sorted({n.name for node in nodes for n in walk(node) if isinstance(n, Name)})
        self.locals = {name: f"_v{i}" for i, name in enumerate(names)}
        lines = ["def _fired(f):"]
        for name, compute in prefetch:  # facts computed by direct calls, stored in the context
            var = self.locals.get(name) or self.temp()
            lines.append(f"    {var} = f[{name!r}] = {self.const(compute)}(f)")
        done = {name for name, _ in prefetch}
        lines += [f"    {var} = f[{name!r}]" for name, var in self.locals.items() if name not in done]
        lines.append("    fired = []")
        for node, rules in zip(nodes, indices):
            lines += self._shared_calls(node, memo=False)
            add = f"fired += {self.const(tuple(rules))}"
            used = sorted({self.locals[n.name] for n in walk(node) if isinstance(n, Name)})
            kleene = self.kleene(node)
            if self._fast_path_ok(node) and used:
                lines.append(f"    if {' and '.join(f'{v} is not None' for v in used)}:")
                lines.append(f"        if ({self.plain(node)}) is True: {add}")
                lines.append(f"    elif ({kleene}) is True: {add}")
            else:
                lines.append(f"    if ({kleene}) is True: {add}")
        lines.append("    fired.sort()")
        lines.append("    return fired")
        return "\n".join(lines) + "\n"

    def plain_or_null(self, node: Node) -> str:
        """An argument of a shared call: a fact's local (maybe null) or a constant."""
        return self.locals[node.name] if isinstance(node, Name) else self.plain(node)

    def _fast_path_ok(self, node: Node) -> bool:
        """True when known facts alone guarantee no null anywhere inside."""
        for n in walk(node):
            if isinstance(n, Attribute):
                return False
            if isinstance(n, Literal) and n.value is None:
                return False
            if isinstance(n, Binary) and n.op in ("/", "%"):
                return False
            if isinstance(n, Call) and self.functions[n.func].may_be_null:
                return False
        return True

    def _call(self, node: Call, emit: Callable[[Node], str]) -> str:
        if id(node) in self.shared:
            return self.shared[id(node)]
        args = [emit(a) for a in node.args]
        inline = self._inline(node)
        if inline is not None:
            return inline.format(*args)
        args += [f"{k.name}={emit(k.value)}" for k in node.keywords]
        return f"{self.func(node.func)}(f{''.join(', ' + a for a in args)})"

    def _inline(self, node: Call) -> str | None:
        """The function's inline form for this call, if it has one and the
        call can use it (positional arguments only, none a literal: a literal
        would make ``1 is not None``, a SyntaxWarning)."""
        inline = self.functions[node.func].inline
        if inline is None or node.keywords or any(isinstance(a, Literal) for a in node.args):
            return None
        return inline

    def plain(self, node: Node) -> str:
        """Python for ``node`` assuming nothing inside is null."""
        p = self.plain
        if isinstance(node, Literal):
            return self.const(node.value)
        if isinstance(node, Name):
            return self.locals[node.name]
        if isinstance(node, ListExpr):
            if all(isinstance(i, Literal) for i in node.items):
                return self.const(tuple(i.value for i in node.items))  # type: ignore[union-attr]
            return "(" + "".join(p(i) + ", " for i in node.items) + ")"
        if isinstance(node, Call):
            return self._call(node, p)
        if isinstance(node, Unary):
            return f"(not {p(node.operand)})" if node.op == "not" else f"(-{p(node.operand)})"
        if isinstance(node, BoolOp):
            return "(" + f" {node.op} ".join(p(o) for o in node.operands) + ")"
        if isinstance(node, Binary):
            return f"({p(node.left)} {node.op} {p(node.right)})"
        raise TypeError(type(node).__name__)

    # The Kleene form. Most sub-expressions are *strict*: null exactly when one
    # of the facts they read is null, else their plain Python value (comparisons
    # and arithmetic of facts and literals, ``not``, ``-``). Such a part is kept
    # as (those facts, plain code): a comparison then costs one ``is None`` test
    # per fact and no temporary, and ``and``/``or`` test the facts directly.
    # Anything else (a call that may give null, an event's field, ``/`` and
    # ``%``, a nested ``and``/``or``) is code that computes the value, null
    # included.

    def kleene(self, node: Node) -> str:
        """Python for ``node`` with null as unknown."""
        return self._value(self._part(node))

    @staticmethod
    def _value(part: _Part) -> str:
        guards, code = part
        if not guards or guards == (code,):  # computes its value, is never null, or is a fact
            return code
        return f"(None if {' or '.join(g + ' is None' for g in guards)} else {code})"

    def _part(self, node: Node) -> _Part:
        if isinstance(node, Literal):
            return (None, "None") if node.value is None else ((), self.plain(node))
        if isinstance(node, Name):
            var = self.locals[node.name]
            return (var,), var
        if isinstance(node, ListExpr):  # a list is never null, whatever its items
            if all(isinstance(i, Literal) for i in node.items):
                return (), self.plain(node)
            return (), "(" + "".join(self.kleene(i) + ", " for i in node.items) + ")"
        if isinstance(node, Attribute):
            return None, f"_get_field({self.kleene(node.obj)}, {node.attr!r})"
        if isinstance(node, Call):
            return self._kleene_call(node)
        if isinstance(node, Unary):
            guards, code = self._part(node.operand)
            op = "not " if node.op == "not" else "-"
            if guards is not None:
                return guards, f"({op}{code})"
            t = self.temp()
            return None, f"(None if ({t} := {code}) is None else {op}{t})"
        if isinstance(node, BoolOp):
            return self._kleene_bool(node)
        if isinstance(node, Binary):
            return self._kleene_binary(node)
        raise TypeError(type(node).__name__)

    def _kleene_call(self, node: Call) -> _Part:
        # A function gets its arguments as they are, null included, and says
        # itself what a null argument gives (null, except for exists()).
        args = [self._part(a) for a in node.args]
        kwargs = [(k.name, self._part(k.value)) for k in node.keywords]
        inline = self._inline(node)
        code = self.shared.get(id(node)) or (
            inline.format(*(self._value(p) for p in args)) if inline is not None else
            f"{self.func(node.func)}(f{''.join(', ' + self._value(p) for p in args)}"
            f"{''.join(f', {name}={self._value(p)}' for name, p in kwargs)})")
        never_null = node.func == "exists" or (
            not self.functions[node.func].may_be_null
            and all(g == () for g, _ in (*args, *(p for _, p in kwargs))))
        return ((), code) if never_null else (None, code)

    def _kleene_binary(self, node: Binary) -> _Part:
        if node.op in ("/", "%"):  # null on division by zero too
            return None, f"_binary({node.op!r}, {self.kleene(node.left)}, {self.kleene(node.right)})"
        (lg, lc), (rg, rc) = self._part(node.left), self._part(node.right)
        if lg is not None and rg is not None:  # strict: the facts of both sides
            return tuple(dict.fromkeys(lg + rg)), f"({lc} {node.op} {rc})"
        checks, sides = [], []
        for guards, code in ((lg, lc), (rg, rc)):  # left first, then right
            if guards is None:
                t = self.temp()
                checks.append(f"({t} := {code}) is None")
                sides.append(t)
            else:
                checks.extend(g + " is None" for g in guards)
                sides.append(code)
        return None, f"(None if {' or '.join(checks)} else {sides[0]} {node.op} {sides[1]})"

    def _kleene_bool(self, node: BoolOp) -> _Part:
        # ``not x`` as an operand, x computed: test x itself rather than
        # compute ``not x`` first (one conditional and one temporary less).
        parts: list[tuple[str | None, _Part]] = []
        for o in node.operands:
            if isinstance(o, Unary) and o.op == "not":
                inner = self._part(o.operand)
                if inner[0] is None:
                    parts.append(("not", inner))
                    continue
                parts.append((None, (inner[0], f"(not {inner[1]})")))
            else:
                parts.append((None, self._part(o)))
        if all(neg is None and g == () for neg, (g, _) in parts):  # never null: plain and/or
            return (), "(" + f" {node.op} ".join(code for _, (_, code) in parts) + ")"
        # and: the first false decides, else unknown if any is unknown, else
        # true (or: the same with true and false swapped). A strict operand is
        # false when its facts are known and its plain value is false.
        is_and = node.op == "and"
        stop, other = ("False", "True") if is_and else ("True", "False")
        tests: list[str] = []
        unknown: list[str] = []
        for neg, (guards, code) in parts:
            if neg:  # ``not x`` stops ``and`` when x is known and truthy (``or``: falsy)
                t = self.temp()
                tests.append(f"{stop} if ({t} := {code}) is not None and "
                             f"{'' if is_and else 'not '}{t} else")
                unknown.append(f"{t} is None")
            elif guards is None or guards == (code,):  # computed, or a fact: test its value
                if guards is None:
                    t = self.temp()
                    tested = f"({t} := {code})"
                else:
                    t = tested = code
                tests.append(f"{stop} if {tested} is {stop} else")
                if t + " is None" not in unknown:
                    unknown.append(f"{t} is None")
            else:
                known = "".join(f"{g} is not None and " for g in guards)
                tests.append(f"{stop} if {known}{'not ' if is_and else ''}{code} else")
                unknown.extend(g + " is None" for g in guards if g + " is None" not in unknown)
        return None, "(" + " ".join(tests) + f" (None if {' or '.join(unknown)} else {other}))"
