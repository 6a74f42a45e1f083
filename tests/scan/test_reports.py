"""Every `catalog check` report format, as CI systems and reviewers consume it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from xml.etree import ElementTree as ET

import jsonschema
import pytest

from catalog.compliance.policy import ModelVerdict, Reason
from catalog.scan.discovery import Reference
from catalog.scan.outcome import CheckedModel, CheckReport
from catalog.scan.reports import render
from tests.factories import load
from tests.scan.test_check import CATALOGUE, TREE, run

SARIF_SCHEMA = json.loads((Path(__file__).parents[1] / "fixtures" / "schemas" / "sarif-schema-2.1.0.json").read_text())


@pytest.fixture
def catalogue(factory):
    load(factory, *CATALOGUE)
    return factory


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    copy = tmp_path / "project"
    shutil.copytree(TREE, copy)
    return copy


def report_file(fmt: str, db_url: str, cwd: Path, *args: str) -> tuple[int, str, str]:
    out = cwd / f"report.{fmt}"
    done = run("--format", fmt, "--output", str(out), *args, db_url=db_url, cwd=cwd)
    assert done.stdout == "", "the report goes to --output, not stdout"
    return done.returncode, out.read_text(encoding="utf-8"), done.stderr


def test_sarif_is_valid_and_has_one_result_per_reason_and_place(catalogue, db_url, tree):
    code, text, stderr = report_file("sarif", db_url, tree)
    assert code == 1
    assert stderr.startswith("FAIL: 4 models checked")  # the summary still reaches the CI log
    log = json.loads(text)
    jsonschema.validate(log, SARIF_SCHEMA)
    run_ = log["runs"][0]
    rules = {rule["id"]: rule for rule in run_["tool"]["driver"]["rules"]}
    assert {"license-denied", "license-unknown", "pickle-weights"} <= set(rules)
    assert all(rule["shortDescription"]["text"] for rule in rules.values())
    results = run_["results"]
    by_rule = {}
    for result in results:
        location = result["locations"][0]["physicalLocation"]
        by_rule.setdefault(result["ruleId"], []).append((location["artifactLocation"]["uri"],
                                                          location["region"]["startLine"], result["level"]))
        assert run_["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
    assert by_rule["license-denied"] == [("app/serve.py", 5, "error")]
    assert by_rule["pickle-weights"] == [("scripts/fetch.sh", 3, "warning")]
    # The passing model used in three places raises nothing.
    assert not any("good-model" in r["message"]["text"] for r in results)


def test_sarif_repeats_a_violation_at_every_reference(catalogue, db_url, tree):
    (tree / "app" / "more.py").write_text('from transformers import pipeline\np = pipeline("x", model="acme/nc-model")\n')
    _, text, _ = report_file("sarif", db_url, tree)
    denied = [r for r in json.loads(text)["runs"][0]["results"] if r["ruleId"] == "license-denied"]
    places = sorted((r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                     r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in denied)
    assert places == [("app/more.py", 2), ("app/serve.py", 5)]


def test_json_lists_verdicts_with_references(catalogue, db_url, tree):
    code, text, _ = report_file("json", db_url, tree)
    data = json.loads(text)
    assert code == 1 and data["overall"] == "fail" and data["context"] == "saas"
    assert data["counts"] == {"fail": 2, "warn": 1, "pass": 1}
    good = next(m for m in data["models"] if m["repo_id"] == "acme/good-model")
    assert good["verdict"] == "pass" and good["license_id"] == "apache-2.0"
    assert [(r["file"], r["line"]) for r in good["references"]] == [
        ("app/train.py", 7), ("app/train.py", 8), ("configs/eval.yaml", 2)]


def test_junit_has_a_testcase_per_model_and_failures_for_violations(catalogue, db_url, tree):
    code, text, _ = report_file("junit", db_url, tree)
    assert code == 1
    root = ET.fromstring(text.encode())
    suite = root.find("testsuite")
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert suite.get("tests") == "4" and suite.get("failures") == "2"
    failure = cases["acme/nc-model@aaaaaaa"].find("failure")
    assert failure.get("type") == "license-denied" and "app/serve.py:5" in failure.text
    pickle = cases["acme/pickle-model@aaaaaaa"]
    assert pickle.find("failure") is None and "pickle-weights" in pickle.find("system-out").text
    assert list(cases["acme/good-model@aaaaaaa"]) == []


def test_markdown_is_a_table_for_a_pull_request_comment(catalogue, db_url, tree):
    code, text, _ = report_file("markdown", db_url, tree)
    assert code == 1
    lines = text.splitlines()
    assert lines[0] == "### ❌ catalog check: fail"
    rows = [line for line in lines if line.startswith("| ") and "acme/" in line]
    assert len(rows) == 4 and rows[0].startswith("| ❌ fail") and rows[-1].startswith("| ✅ pass")  # worst first
    assert all(row.count(" | ") == 4 for row in rows)  # five cells each
    nc_row = next(row for row in rows if "acme/nc-model" in row)
    assert "**license-denied**" in nc_row and "`app/serve.py:5`" in nc_row


def _verdict(outcome: str, message: str) -> ModelVerdict:
    return ModelVerdict("org/m", "f" * 40, outcome, (Reason("license-review", outcome, message),), None, "unknown")


def test_markdown_cells_survive_pipes_and_newlines():
    report = CheckReport((CheckedModel(_verdict("warn", "a | b\nc"), (Reference("org/m", "a|b.py", 1, 1, "config"),)),),
                         context="saas", policy="<default>")
    row = next(line for line in render(report, "markdown").splitlines() if "org/m" in line)
    assert "a \\| b c" in row and row.count(" | ") == 4


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit", "markdown"])
def test_an_empty_check_passes_in_every_format(fmt):
    text = render(CheckReport((), context="internal", policy="<default>"), fmt)
    assert text.endswith("\n")
    if fmt == "sarif":
        jsonschema.validate(json.loads(text), SARIF_SCHEMA)
    if fmt == "junit":
        assert ET.fromstring(text.encode()).get("tests") == "0"


def test_model_without_a_reference_location_is_still_valid_sarif():
    report = CheckReport((CheckedModel(_verdict("fail", "x")),), context="saas", policy="<default>")
    log = json.loads(render(report, "sarif"))
    jsonschema.validate(log, SARIF_SCHEMA)
    assert "locations" not in log["runs"][0]["results"][0]


def test_text_colour_only_when_asked():
    report = CheckReport((CheckedModel(_verdict("fail", "x")),), context="saas", policy="<default>")
    assert "\x1b[" in render(report, "text", color=True)
    assert "\x1b[" not in render(report, "text")


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_the_short_reports_list_the_conditions_a_pass_rests_on(fmt):
    """A pass on a conditional license says its conditions; other info reasons stay in the JSON."""
    reasons = (Reason("license-conditional", "info", "Llama 3.1 allows internal use on conditions: accept-terms."),
               Reason("attribution-required", "info", "Display 'Built with Llama'."))
    verdict = ModelVerdict("meta-llama/Llama-3.1-8B", "f" * 40, "pass", reasons, "llama3.1", "community")
    report = CheckReport((CheckedModel(verdict),), context="internal", policy="<default>")
    text = render(report, fmt)
    assert "license-conditional" in text and "on conditions: accept-terms" in text
    assert "Built with Llama" not in text
    assert "Built with Llama" in render(report, "json")
