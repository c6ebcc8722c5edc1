"""Checked AST → fast Python function, plus a tracing interpreter.

The fast path is Python source generated from the checked AST only (user text
never reaches it: names are validated identifiers, every literal is passed in
as a constant) and compiled once. Where every fact a condition reads is known,
it runs as plain Python; otherwise it falls back to the Kleene (null-aware)
form of the same expression. The tracing variant is a separate interpreter
chosen by the caller, so the fast path pays nothing for tracing.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from .checker import Checked
from .library import FunctionSpec
from .nodes import (Attribute, Binary, BoolOp, Call, Keyword, ListExpr, Literal, Name,
                    Node, Unary, walk)
from .semantics import binary, kleene_and, kleene_not, kleene_or, negate

__all__ = ["CompiledExpr", "compile_checked", "interpret", "get_field"]

Trace = list[tuple[Node, Any]]


def get_field(obj: Any, name: str) -> Any:
    """``obj.name`` in the language: a field of an event, null on null."""
    if obj is None:
        return None
    return obj.field(name)


def interpret(node: Node, facts: Mapping[str, Any], functions: Mapping[str, FunctionSpec],
              trace: Trace | None = None) -> Any:
    """Evaluate ``node`` by walking the tree; record ``(node, value)`` pairs
    (children before parents) into ``trace`` when given. Every operand of
    ``and``/``or`` is evaluated so the trace shows every fact's value."""
    value = _interpret(node, facts, functions, trace)
    return value


def _interpret(node: Node, facts, functions, trace) -> Any:
    ev = _interpret
    if isinstance(node, Literal):
        return node.value  # literals are not recorded: their value is their text
    if isinstance(node, Name):
        value = facts[node.name]
    elif isinstance(node, ListExpr):
        value = tuple(ev(i, facts, functions, trace) for i in node.items)
    elif isinstance(node, Attribute):
        value = get_field(ev(node.obj, facts, functions, trace), node.attr)
    elif isinstance(node, Call):
        impl = functions[node.func].impl
        args = [ev(a, facts, functions, trace) for a in node.args]
        kwargs = {k.name: ev(k.value, facts, functions, trace) for k in node.keywords}
        value = impl(facts, *args, **kwargs)
    elif isinstance(node, Unary):
        operand = ev(node.operand, facts, functions, trace)
        value = kleene_not(operand) if node.op == "not" else negate(operand)
    elif isinstance(node, BoolOp):
        values = [ev(o, facts, functions, trace) for o in node.operands]
        value = kleene_and(values) if node.op == "and" else kleene_or(values)
    elif isinstance(node, Binary):
        value = binary(node.op, ev(node.left, facts, functions, trace),
                       ev(node.right, facts, functions, trace))
    else:
        raise TypeError(f"cannot evaluate {type(node).__name__}")
    if trace is not None:
        trace.append((node, value))
    return value


class CompiledExpr:
    """A checked expression ready to run: ``expr(facts)`` is the fast path,
    ``expr.trace(facts)`` the recording one. Immutable, shareable across
    threads, picklable (the generated function is rebuilt on unpickling)."""

    # ``__call__`` is a slot, not a method: ``expr(facts)`` finds the generated
    # function in the instance through one C-level descriptor and calls it,
    # instead of entering a Python ``__call__`` frame that then calls it — the
    # frame cost more than evaluating a typical condition.
    __slots__ = ("checked", "functions", "_fn", "generated", "__call__")

    __call__: Callable[[Mapping[str, Any]], Any]

    def __init__(self, checked: Checked, functions: Mapping[str, FunctionSpec]) -> None:
        self.checked = checked
        self.functions = {name: functions[name] for name in sorted(checked.functions)}
        self._fn, self.generated = _build(checked.node, self.functions)
        self.__call__ = self._fn

    @property
    def node(self) -> Node:
        return self.checked.node

    def trace(self, facts: Mapping[str, Any]) -> tuple[Any, Trace]:
        record: Trace = []
        value = _interpret(self.checked.node, facts, self.functions, record)
        return value, record

    def __reduce__(self):
        return (CompiledExpr, (self.checked, self.functions))


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
            return _interpret(node, facts, functions, None)
        return run, False


class _Generator:
    def __init__(self, functions: Mapping[str, FunctionSpec]) -> None:
        self.functions = functions
        self.constants: dict[str, Any] = {"_get_field": get_field, "_binary": binary}
        self.counter = 0
        self.locals: dict[str, str] = {}

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
        kleene = self.kleene(node)
        if self._fast_path_ok(node) and self.locals:
            guard = " and ".join(f"{v} is not None" for v in self.locals.values())
            lines.append(f"    if {guard}:")
            lines.append(f"        return {self.plain(node)}")
        lines.append(f"    return {kleene}")
        return "\n".join(lines) + "\n"

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

    # Nullability: may this sub-expression be null at run time?
    def nullable(self, node: Node) -> bool:
        if isinstance(node, Literal):
            return node.value is None
        if isinstance(node, ListExpr):
            return False
        if isinstance(node, (Name, Attribute)):
            return True
        if isinstance(node, Call):
            if node.func == "exists":
                return False
            return self.functions[node.func].may_be_null or any(
                self.nullable(a) for a in (*node.args, *(k.value for k in node.keywords)))
        if isinstance(node, Binary) and node.op in ("/", "%"):
            return True
        return any(self.nullable(c) for c in _kids(node))

    def _call(self, node: Call, emit: Callable[[Node], str]) -> str:
        args = [emit(a) for a in node.args]
        args += [f"{k.name}={emit(k.value)}" for k in node.keywords]
        return f"{self.func(node.func)}(f{''.join(', ' + a for a in args)})"

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

    def kleene(self, node: Node) -> str:
        """Python for ``node`` with null as unknown."""
        k = self.kleene
        if isinstance(node, (Literal, Name)):
            return self.plain(node) if isinstance(node, Literal) else self.locals[node.name]
        if isinstance(node, ListExpr):
            if all(isinstance(i, Literal) for i in node.items):
                return self.plain(node)
            return "(" + "".join(k(i) + ", " for i in node.items) + ")"
        if isinstance(node, Attribute):
            return f"_get_field({k(node.obj)}, {node.attr!r})"
        if isinstance(node, Call):
            return self._call(node, k)
        if isinstance(node, Unary):
            if not self.nullable(node.operand):
                return self.plain_op_unary(node, k(node.operand))
            t = self.temp()
            inner = f"not {t}" if node.op == "not" else f"-{t}"
            return f"(None if ({t} := {k(node.operand)}) is None else {inner})"
        if isinstance(node, BoolOp):
            return self._kleene_bool(node)
        if isinstance(node, Binary):
            if node.op in ("/", "%"):
                return f"_binary({node.op!r}, {k(node.left)}, {k(node.right)})"
            checks, sides = [], []
            for side in (node.left, node.right):
                if self.nullable(side):
                    t = self.temp()
                    checks.append(f"({t} := {k(side)}) is None")
                    sides.append(t)
                else:
                    sides.append(k(side))
            expr = f"{sides[0]} {node.op} {sides[1]}"
            if not checks:
                return f"({expr})"
            if len(checks) == 2:  # evaluate left first, then right
                return f"(None if {checks[0]} or {checks[1]} else {expr})"
            return f"(None if {checks[0]} else {expr})"
        raise TypeError(type(node).__name__)

    @staticmethod
    def plain_op_unary(node: Unary, inner: str) -> str:
        return f"(not {inner})" if node.op == "not" else f"(-{inner})"

    def _kleene_bool(self, node: BoolOp) -> str:
        if not any(self.nullable(o) for o in node.operands):
            return "(" + f" {node.op} ".join(self.kleene(o) for o in node.operands) + ")"
        # and: the first false wins, else unknown if any is unknown, else true.
        stop, other = ("False", "True") if node.op == "and" else ("True", "False")
        temps, parts = [], []
        for operand in node.operands:
            if self.nullable(operand):
                t = self.temp()
                temps.append(t)
                parts.append(f"{stop} if ({t} := {self.kleene(operand)}) is {stop} else")
            else:
                parts.append(f"{stop} if {self.kleene(operand)} is {stop} else")
        unknown = " or ".join(f"{t} is None" for t in temps)
        return "(" + " ".join(parts) + f" (None if {unknown} else {other}))"


def _kids(node: Node) -> tuple[Node, ...]:
    from .nodes import children
    return tuple(c.value if isinstance(c, Keyword) else c for c in children(node))
