"""How fast is a compiled condition? Evaluations per second of four
conditions, side by side:

* ours         — ``compile_checked(...)`` called with a fact dict (the fast path);
* lambda       — a hand-written Python function over the same dict (the limit);
* rule-engine  — zeroSteiner's rule-engine, ``Rule(text).evaluate(facts)``;
* cel          — cel-python, ``program.evaluate(activation)``.

Same conditions (translated per peer), same facts; every contender must give
the same answer before anything is timed. The last rows put nulls among the
facts: our Kleene (null-as-unknown) path against a hand-written null-aware
function. The peers have no null-as-unknown: rule-engine raises on ``null <
3``, and CEL treats it as an error value, which ``||``/``&&`` may absorb
(timed where its answer is the same as ours) or not (then it raises).

    python benchmarks/conditions.py [--quick] [--repeat N] [--json] [--show]
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import platform
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # benchmark this working tree, not an installed copy
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _table import Result, best_of, render  # noqa: E402

from engine.language.checker import check  # noqa: E402
from engine.language.compiler import CompiledExpr, _Generator, compile_checked, interpret  # noqa: E402
from engine.language.builtins import BUILTINS, FunctionSpec  # noqa: E402
from engine.language.parser import parse  # noqa: E402
from engine.language.types import BOOL, INT, STRING, Type  # noqa: E402

# -- the world of the benchmark -----------------------------------------------------

FACT_TYPES: Mapping[str, Type] = {
    "days_since_deadline": INT,
    "contacts_since_deadline": INT,
    "hours_since_interview": INT,
    "thank_you_sent": BOOL,
    "thanked": INT,
    "interviewers": INT,
    "outcome": STRING,
}

FACTS: Mapping[str, Any] = {
    "days_since_deadline": 5,
    "contacts_since_deadline": 0,
    "hours_since_interview": 20,
    "thank_you_sent": False,
    "thanked": 1,
    "interviewers": 3,
    "outcome": "pending",
}


class BenchScope:
    """The checker's Scope: the facts above and the built-in functions."""

    def fact_type(self, name: str) -> Type | None:
        return FACT_TYPES.get(name)

    def fact_names(self) -> Iterable[str]:
        return FACT_TYPES.keys()

    def function(self, name: str) -> FunctionSpec | None:
        return BUILTINS.get(name)

    def function_names(self) -> Iterable[str]:
        return BUILTINS.keys()

    def event_fields(self, event_type: str) -> Mapping[str, Type] | None:
        return None

    def event_types(self) -> Iterable[str]:
        return ()


# -- the conditions and their hand-written equivalents ------------------------------

C1 = "days_since_deadline >= 3 and contacts_since_deadline == 0"
C2 = "hours_since_interview <= 24 and not thank_you_sent"
C3 = ('(thanked < interviewers or not thank_you_sent) and outcome == "pending" '
      'and hours_since_interview > 2')
# Twelve comparisons under and/or/not; with FACTS it is true after 8 of them.
C12 = ('(days_since_deadline >= 3 or contacts_since_deadline > 2) '
       'and (hours_since_interview < 48 or outcome == "offer") '
       'and (thanked <= interviewers or hours_since_interview > 72) '
       'and not (outcome == "rejected" or contacts_since_deadline >= 5) '
       'and days_since_deadline < 30 and hours_since_interview >= 1 '
       'and (interviewers > 0 or thanked > 0)')


def lambda_c1(f):
    return f["days_since_deadline"] >= 3 and f["contacts_since_deadline"] == 0


def lambda_c2(f):
    return f["hours_since_interview"] <= 24 and not f["thank_you_sent"]


def lambda_c3(f):
    return ((f["thanked"] < f["interviewers"] or not f["thank_you_sent"])
            and f["outcome"] == "pending" and f["hours_since_interview"] > 2)


def lambda_c12(f):
    return ((f["days_since_deadline"] >= 3 or f["contacts_since_deadline"] > 2)
            and (f["hours_since_interview"] < 48 or f["outcome"] == "offer")
            and (f["thanked"] <= f["interviewers"] or f["hours_since_interview"] > 72)
            and not (f["outcome"] == "rejected" or f["contacts_since_deadline"] >= 5)
            and f["days_since_deadline"] < 30 and f["hours_since_interview"] >= 1
            and (f["interviewers"] > 0 or f["thanked"] > 0))


# Null-aware by hand: any fact may be null (None is unknown; and/or/not follow
# Kleene logic), written for speed — short-circuit, each fact read once, no helpers.

def kleene_c3(f):
    unknown = False
    thanked, interviewers = f["thanked"], f["interviewers"]
    if thanked is None or interviewers is None or not thanked < interviewers:
        sent = f["thank_you_sent"]
        if sent is None or (sent and (thanked is None or interviewers is None)):
            unknown = True
        elif sent:
            return False
    outcome = f["outcome"]
    if outcome is None:
        unknown = True
    elif outcome != "pending":
        return False
    hours = f["hours_since_interview"]
    if hours is None:
        unknown = True
    elif not hours > 2:
        return False
    return None if unknown else True


def kleene_c12(f):
    unknown = False
    days, contacts = f["days_since_deadline"], f["contacts_since_deadline"]
    if days is None or not days >= 3:
        if contacts is None or days is None and not contacts > 2:
            unknown = True
        elif not contacts > 2:
            return False
    hours, outcome = f["hours_since_interview"], f["outcome"]
    if hours is None or not hours < 48:
        if outcome is None or hours is None and outcome != "offer":
            unknown = True
        elif outcome != "offer":
            return False
    thanked, interviewers = f["thanked"], f["interviewers"]
    if thanked is None or interviewers is None or not thanked <= interviewers:
        known = thanked is not None and interviewers is not None
        if hours is None or not known and not hours > 72:
            unknown = True
        elif not hours > 72:
            return False
    if outcome is not None and outcome == "rejected" or contacts is not None and contacts >= 5:
        return False
    if outcome is None or contacts is None:
        unknown = True
    if days is None:
        unknown = True
    elif not days < 30:
        return False
    if hours is None:
        unknown = True
    elif not hours >= 1:
        return False
    if interviewers is None or not interviewers > 0:
        if thanked is None or interviewers is None and not thanked > 0:
            unknown = True
        elif not thanked > 0:
            return False
    return None if unknown else True


@dataclass(frozen=True)
class Case:
    label: str
    text: str
    by_hand: Callable[[Mapping[str, Any]], Any]
    facts: Mapping[str, Any] = field(default_factory=lambda: FACTS)
    expected: bool | None = True

    @property
    def null_aware(self) -> bool:
        """Rows with nulls: ``by_hand`` must handle them (Kleene logic)."""
        return any(v is None for v in self.facts.values())


CASES = (
    Case("1  deadline, no contact", C1, lambda_c1),
    Case("2  interview, not thanked", C2, lambda_c2),
    Case("3  thanks/outcome/hours", C3, lambda_c3),
    Case("4  12-clause and/or chain", C12, lambda_c12),
    Case("3  with thanked = null", C3, kleene_c3, {**FACTS, "thanked": None}),
    Case("4  with 2 facts null", C12, kleene_c12,
         {**FACTS, "days_since_deadline": None, "outcome": None}, None),
)


# -- the peers -------------------------------------------------------------------------

_WORD_OPS = {"and": "&&", "or": "||", "not": "!"}


def to_cel(text: str) -> str:
    """Our syntax → CEL: ``and``/``or``/``not`` become ``&&``/``||``/``!``
    (the conditions here hold no ``in``/``not in`` and no such words in strings)."""
    parts = re.split(r'("(?:[^"\\]|\\.)*")', text)  # keep string literals as they are
    for i in range(0, len(parts), 2):
        parts[i] = re.sub(r"\b(and|or|not)\b\s*",
                          lambda m: _WORD_OPS[m.group(1)] + ("" if m.group(1) == "not" else " "),
                          parts[i])
    return "".join(parts)


def to_rule_engine(text: str) -> str:
    """rule-engine reads this subset as we write it (and/or/not, ==, "strings")."""
    return text


class Peer:
    """A peer engine: builds an evaluator from condition text and facts."""

    name: str  # its column
    dist: str  # its distribution, as pip knows it
    version: str

    def build(self, text: str, facts: Mapping[str, Any]) -> tuple[Callable[[Any], Any], Any]:
        raise NotImplementedError

    def answer(self, value: Any) -> bool | None:
        return bool(value)


class RuleEnginePeer(Peer):
    name = dist = "rule-engine"

    def __init__(self) -> None:
        import rule_engine
        self.module = rule_engine
        self.version = rule_engine.__version__

    def build(self, text, facts):
        rule = self.module.Rule(to_rule_engine(text))
        return rule.evaluate, dict(facts)


class CelPeer(Peer):
    name, dist = "cel", "cel-python"

    def __init__(self, runner: str) -> None:
        import celpy
        from importlib.metadata import version
        # An error value that reaches the top is logged before it is raised.
        logging.getLogger("celpy").setLevel(logging.CRITICAL)
        self.celpy = celpy
        self.runner = runner
        cls = celpy.CompiledRunner if runner == "compiled" else celpy.InterpretedRunner
        self.env = celpy.Environment(runner_class=cls)
        self.version = version(self.dist)

    def build(self, text, facts):
        program = self.env.program(self.env.compile(to_cel(text)))
        # The facts become CEL values once, outside the timed loop.
        activation = {k: self.celpy.json_to_cel(v) for k, v in facts.items()}
        return program.evaluate, activation


def load_peers(cel_runner: str) -> tuple[list[Peer], list[str]]:
    peers: list[Peer] = []
    missing: list[str] = []
    for make, dist in ((RuleEnginePeer, "rule-engine"), (lambda: CelPeer(cel_runner), "cel-python")):
        try:
            peers.append(make())
        except ImportError:
            missing.append(dist)
    return peers, missing


# -- the run -------------------------------------------------------------------------

def compile_condition(text: str) -> CompiledExpr:
    return compile_checked(check(parse(text), BenchScope(), text), BUILTINS)


# Values straddling every constant of the conditions, and null.
GRID: Mapping[str, tuple[Any, ...]] = {
    "days_since_deadline": (None, 2, 5, 40),
    "contacts_since_deadline": (None, 0, 3, 6),
    "hours_since_interview": (None, 0, 20, 60, 100),
    "thank_you_sent": (None, False, True),
    "thanked": (None, 0, 1, 5),
    "interviewers": (None, 0, 3),
    "outcome": (None, "pending", "offer", "rejected"),
}


def verify_by_hand() -> int:
    """Check every hand-written function against our interpreter on every
    combination of :data:`GRID` (the plain ones only where no fact is null)."""
    names = list(GRID)
    checked = 0
    for case in {c.by_hand: c for c in CASES}.values():
        expr = compile_condition(case.text)
        for values in itertools.product(*GRID.values()):
            if not case.null_aware and None in values:
                continue
            facts = dict(zip(names, values))
            want, got = interpret(expr.node, facts, expr.functions), case.by_hand(facts)
            assert got is want, f"{case.by_hand.__name__}{facts}: {got!r}, not {want!r}"
            checked += 1
    return checked


def _agree(case: Case, ours: CompiledExpr, peers: list[Peer], notes: list[str]
           ) -> dict[str, tuple[Callable[[Any], Any], Any]]:
    """The contenders of ``case``, after checking that they give its answer."""
    facts = dict(case.facts)
    got, by_hand, traced = ours(facts), case.by_hand(facts), ours.trace(facts)[0]
    assert got is case.expected, f"{case.label}: ours gave {got!r}, expected {case.expected!r}"
    assert by_hand is got, f"{case.label}: hand-written gave {by_hand!r}, ours {got!r}"
    assert traced is got, f"{case.label}: tracing interpreter gave {traced!r}, ours {got!r}"
    # "fn": the generated function itself, as a hot loop that binds it once
    # would call it — what ``expr(facts)`` costs beyond it is the call of an
    # instance (CPython cannot call one as cheaply as a plain function).
    contenders = {"ours": (ours, facts), "fn": (ours.fn, facts),
                  "lambda": (case.by_hand, facts)}
    has_null = case.null_aware
    for peer in peers:
        fn, arg = peer.build(case.text, facts)
        try:
            answer: Any = peer.answer(fn(arg))
        except Exception as err:  # noqa: BLE001 - a peer's own error type
            if not has_null:
                raise AssertionError(f"{case.label}: {peer.name} failed: {err!r}") from err
            notes.append(f"{_short(case.label)}: {peer.name} not timed, it raises "
                         f"{type(err).__name__} ({_first_line(err)}).")
            continue
        if answer is not got:
            if not has_null:
                raise AssertionError(f"{case.label}: {peer.name} gave {answer!r}, ours {got!r}")
            notes.append(f"{_short(case.label)}: {peer.name} not timed, it answers "
                         f"{answer!r} where the answer is {got!r}.")
            continue
        contenders[peer.name] = (fn, arg)
    return contenders


def _short(label: str) -> str:
    return " ".join(label.split())


def _first_line(err: Exception) -> str:
    # cel-python's errors carry (message, cause type, cause args): keep the message
    first = err.args[0] if err.args and isinstance(err.args[0], str) else str(err)
    text = first.splitlines()[0] if first else ""
    return text[:60] + ("…" if len(text) > 60 else "")


def run(repeat: int = 200, budget: float = 0.001, cel_runner: str = "compiled") -> Result:
    peers, missing = load_peers(cel_runner)
    checked = verify_by_hand()
    notes: list[str] = []
    rows = []
    for case in CASES:
        ours = compile_condition(case.text)
        assert ours.generated, f"{case.label}: no generated code (interpreter fallback)"
        contenders = _agree(case, ours, peers, notes)
        best = best_of(contenders, repeat=repeat, budget=budget)
        rate = {name: 1.0 / seconds for name, seconds in best.items()}
        # "ours" is the compiled condition as the engine runs it (evaluate
        # calls ``rule.condition.fn``); "expr()" goes through the object.
        ours_rate = rate["fn"]
        rows.append({
            "condition": case.label,
            "result": {True: "true", False: "false", None: "null"}[case.expected],
            "ours": ours_rate,
            "lambda": rate["lambda"],
            "rule-engine": rate.get("rule-engine"),
            "cel": rate.get("cel"),
            "ours/lambda": best["fn"] / best["lambda"],
            "expr/lambda": best["ours"] / best["lambda"],
            "re/ours": ours_rate / rate["rule-engine"] if "rule-engine" in rate else None,
            "cel/ours": ours_rate / rate["cel"] if "cel" in rate else None,
        })
    floor = best_of({"empty call": (_empty, None)}, repeat=repeat, budget=budget)["empty call"]
    versions = ", ".join(f"{p.dist} {p.version}" for p in peers)
    notes[:0] = [
        f"Python {platform.python_version()} ({platform.python_implementation()}), {versions}; "
        f"cel-python with its {cel_runner} runner.",
        f"Best of {repeat} interleaved loops of ~{budget * 1000:g} ms per contender and row; "
        f"ev/s = 1 / best time per call.",
        f"Every figure includes the loop and the call itself: an empty function takes "
        f"{floor * 1e9:.0f} ns here ({1 / floor / 1e6:.1f} M calls/s).",
        "ours/λ is a time ratio (lower is better); the peer columns are how many times "
        "faster ours is.",
        "ours: the compiled condition as evaluate() runs it (rule.condition.fn); "
        "expr()/λ: the same called through the CompiledExpr object, expr(facts), "
        "which adds one call of a class instance.",
        f"Rows with nulls: λ is a hand-written null-aware (Kleene) function; every λ was "
        f"checked against the interpreter on {checked:,} fact combinations first.",
    ]
    if missing:
        notes.append(f"not installed: {', '.join(missing)} (pip install -e '.[bench]')")
    return {"title": "conditions (benchmarks/conditions.py)", "columns": COLUMNS,
            "rows": rows, "notes": notes}


def show() -> None:
    for text in dict.fromkeys(c.text for c in CASES):
        expr = compile_condition(text)
        print(f"ours:        {text}\nrule-engine: {to_rule_engine(text)}\ncel:         {to_cel(text)}")
        print(f"generated ({'code' if expr.generated else 'interpreter'}):")
        print(_Generator(expr.functions).function(expr.node))


def _empty(_facts):
    return None


COLUMNS = [
    {"key": "condition", "header": "condition", "kind": "text"},
    {"key": "result", "header": "is", "kind": "text"},
    {"key": "ours", "header": "ours ev/s", "kind": "rate"},
    {"key": "lambda", "header": "λ ev/s", "kind": "rate"},
    {"key": "rule-engine", "header": "rule-engine ev/s", "kind": "rate"},
    {"key": "cel", "header": "cel ev/s", "kind": "rate"},
    {"key": "ours/lambda", "header": "ours/λ", "kind": "ratio", "target": "<= 1.5"},
    {"key": "expr/lambda", "header": "expr()/λ", "kind": "ratio"},
    {"key": "re/ours", "header": "vs rule-engine", "kind": "ratio", "target": ">= 50"},
    {"key": "cel/ours", "header": "vs cel", "kind": "ratio", "target": ">= 500"},
]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=200, help="timed loops per contender (best kept)")
    ap.add_argument("--budget", type=float, default=0.001, help="seconds per timed loop")
    ap.add_argument("--quick", action="store_true", help="10 loops of 1 ms: a smoke test")
    ap.add_argument("--cel-runner", choices=("compiled", "interpreted"), default="compiled")
    ap.add_argument("--json", action="store_true", help="print the result as JSON (for run.py)")
    ap.add_argument("--show", action="store_true",
                    help="print each condition as each engine gets it, and our generated code")
    args = ap.parse_args(argv)
    if args.show:
        show()
        return 0
    repeat, budget = (10, 0.001) if args.quick else (args.repeat, args.budget)
    result = run(repeat, budget, args.cel_runner)
    print(json.dumps(result) if args.json else render([result]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
