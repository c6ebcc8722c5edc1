"""Machine-readable results of ``rules check`` and ``rules test``: JSON,
JUnit XML (for CI test views) and SARIF 2.1.0 (for code-scanning views, which
show each problem on its line of the policy file)."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any, Iterable, Sequence
from xml.etree import ElementTree as ET

from engine.base.version import __version__
from engine.errors import CODES, RulesError

__all__ = ["problem_dict", "check_json", "check_junit", "check_sarif", "test_json", "test_junit",
           "test_sarif", "SARIF_SCHEMA"]

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_TOOL = "rules (followup-rules)"


def problem_dict(err: RulesError) -> dict[str, Any]:
    return {"code": err.code, "message": err.message, "file": err.file, "line": err.line,
            "column": err.column, "end_column": err.end_column, "hint": err.hint}


def _dump(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def check_json(report: Any) -> str:
    return _dump({"files": report.files, "loaded": [p.ref for p in report.policies],
                  "rules": report.rules, "problems": [problem_dict(e) for e in report.problems],
                  "citations": report.citations, "locks": report.locks,
                  "summary": report.summary(), "exit_code": report.exit_code})


def _xml(root: ET.Element) -> str:
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def check_junit(report: Any) -> str:
    """One test case per policy file; each problem in it is a failure."""
    by_file: dict[str, list[RulesError]] = defaultdict(list)
    for err in report.problems:
        by_file[err.file or "<input>"].append(err)
    names = list(dict.fromkeys([*report.files, *by_file]))
    failures = sum(1 for n in names if by_file.get(n))
    suites = ET.Element("testsuites", name="rules check", tests=str(len(names)), failures=str(failures))
    suite = ET.SubElement(suites, "testsuite", name="rules check", tests=str(len(names)),
                          failures=str(failures), errors="0")
    for name in names:
        case = ET.SubElement(suite, "testcase", classname="rules.check", name=name, file=name)
        problems = by_file.get(name)
        if problems:
            failure = ET.SubElement(case, "failure", type=problems[0].code,
                                    message=f"{len(problems)} problem(s): {problems[0]}")
            failure.text = "\n\n".join(e.render() for e in problems)
    return _xml(suites)


def _sarif_result(err: RulesError, level: str = "error") -> dict[str, Any]:
    text = err.message + (f"\nhint: {err.hint}" if err.hint else "")
    result: dict[str, Any] = {"ruleId": err.code, "level": level, "message": {"text": text}}
    if err.file:
        region: dict[str, Any] = {}
        if err.line:
            region["startLine"] = err.line
            if err.column:
                region["startColumn"] = err.column
                if err.end_column and err.end_column > err.column:
                    region["endColumn"] = err.end_column
        location: dict[str, Any] = {"artifactLocation": {"uri": err.file.replace("\\", "/")}}
        if region:
            location["region"] = region
        result["locations"] = [{"physicalLocation": location}]
    return result


def _sarif(results: list[dict[str, Any]], codes: Iterable[str]) -> str:
    rules = [{"id": code, "name": code.replace("-", ""),
              "shortDescription": {"text": CODES.get(code, code)},
              "helpUri": "https://followup-rules.example/docs/errors.html#" + code.lower()}
             for code in sorted(set(codes))]
    return _dump({"$schema": SARIF_SCHEMA, "version": "2.1.0",
                  "runs": [{"tool": {"driver": {"name": _TOOL, "version": __version__,
                                                "informationUri": "https://followup-rules.example/",
                                                "rules": rules}},
                            "results": results}]})


def check_sarif(report: Any) -> str:
    return _sarif([_sarif_result(e) for e in report.problems], (e.code for e in report.problems))


# -- rules test -----------------------------------------------------------------------

def _scenario_dict(r: Any) -> dict[str, Any]:
    s = r.scenario
    return {"file": s.file, "line": s.line, "policy": s.policy, "name": s.name, "at": s.at,
            "ok": r.ok, "error": problem_dict(r.error) if r.error is not None else None,
            "mismatches": [{"rule": m.rule, "expected": m.expected, "got": m.got}
                           for m in r.mismatches]}


def test_json(results: Sequence[Any], cover: dict[str, tuple[list[str], list[str]]],
              problems: Sequence[RulesError] = ()) -> str:
    failed = sum(1 for r in results if not r.ok)
    return _dump({"passed": len(results) - failed, "failed": failed,
                  "problems": [problem_dict(e) for e in problems],
                  "scenarios": [_scenario_dict(r) for r in results],
                  "coverage": {pid: {"fired": fired, "never": never}
                               for pid, (fired, never) in cover.items()}})


def _mismatch_text(r: Any) -> str:
    lines = [f"{m.rule}: expected {m.expected}, got {m.got}" for m in r.mismatches]
    if r.error is not None:
        lines.insert(0, r.error.render())
    return "\n".join(lines)


def test_junit(results: Sequence[Any], problems: Sequence[RulesError] = ()) -> str:
    """One test suite per scenario file, one test case per scenario."""
    by_file: dict[str, list[Any]] = defaultdict(list)
    for r in results:
        by_file[r.scenario.file].append(r)
    failed = sum(1 for r in results if not r.ok)
    suites = ET.Element("testsuites", name="rules test", tests=str(len(results) + len(problems)),
                        failures=str(failed), errors=str(len(problems)))
    for file, rs in by_file.items():
        suite = ET.SubElement(suites, "testsuite", name=file, tests=str(len(rs)),
                              failures=str(sum(1 for r in rs if not r.ok)), errors="0")
        for r in rs:
            s = r.scenario
            case = ET.SubElement(suite, "testcase", classname=f"{s.policy}", name=s.name,
                                 file=s.file, line=str(s.line or 0))
            if not r.ok:
                first = r.mismatches[0] if r.mismatches else None
                message = (str(r.error) if r.error is not None else
                           f"{first.rule}: expected {first.expected}, got {first.got}" if first else "failed")
                failure = ET.SubElement(case, "failure", message=message)
                failure.text = _mismatch_text(r)
    if problems:
        suite = ET.SubElement(suites, "testsuite", name="scenario files", tests=str(len(problems)),
                              failures="0", errors=str(len(problems)))
        for err in problems:
            case = ET.SubElement(suite, "testcase", classname="rules.test", name=str(err.file))
            ET.SubElement(case, "error", type=err.code, message=str(err)).text = err.render()
    return _xml(suites)


def test_sarif(results: Sequence[Any], problems: Sequence[RulesError] = ()) -> str:
    out = [_sarif_result(e) for e in problems]
    codes = [e.code for e in problems]
    for r in results:
        if r.ok:
            continue
        s = r.scenario
        err = r.error if r.error is not None else RulesError(
            f"scenario '{s.name}' ({s.policy}, at {s.at}): " + "; ".join(
                f"{m.rule}: expected {m.expected}, got {m.got}" for m in r.mismatches),
            code="RULES-E053", file=s.file, line=s.line)
        out.append(_sarif_result(err))
        codes.append(err.code)
    return _sarif(out, codes)
