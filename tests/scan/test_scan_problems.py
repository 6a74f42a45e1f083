"""`catalog check` never skips or dies silently (issue 11): files it cannot read in full are still
scanned and reported as `scan-incomplete`, loaders it cannot resolve as `unresolved-reference`,
in every format; the policy decides whether they fail; a bug exits 4, never 1 or a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import jsonschema
import pytest

from catalog.scan.discovery import DiscoveryError, scan
from tests.scan.test_check import run
from tests.scan.test_reports import SARIF_SCHEMA

HIDDEN = 'AutoModel.from_pretrained("org/hidden-model")\n'


@pytest.fixture
def empty_catalogue(factory):
    return factory


def check(tmp_path: Path, db_url: str, *args: str):
    done = run(*args, db_url=db_url, cwd=tmp_path)
    assert "Traceback" not in done.stderr, done.stderr
    return done


def test_a_large_file_is_scanned_line_by_line_and_reported(empty_catalogue, db_url, tmp_path):
    # Before: files over 5 MiB were skipped, and the check passed with "no model references found".
    with open(tmp_path / "big.py", "w") as handle:
        handle.write(HIDDEN)
        handle.write("x = 1\n" * 1_000_000)
    done = check(tmp_path, db_url, "--format", "json")
    report = json.loads(done.stdout)
    assert [m["repo_id"] for m in report["models"]] == ["org/hidden-model"]
    assert report["models"][0]["references"][0]["line"] == 1
    [problem] = report["problems"]
    assert (problem["code"], problem["file"], problem["outcome"]) == ("scan-incomplete", "big.py", "warn")
    assert "larger than 5 MiB" in problem["detail"]
    assert done.returncode == 1  # the hidden model is not in the catalogue


def test_a_configuration_file_over_1_mib_read_line_by_line_points_at_each_line(tmp_path):
    # A results file of 60,000 records with a model key each: every one is a candidate line. Its
    # lines were counted from the start of the file for each match (21 s for this file).
    rows = [f'{{"model": "org/m{i}", "generate_time": 1.5}},' for i in range(60_000)]
    (tmp_path / "results.json").write_text("[\n" + "\n".join(rows) + "\n]\n")
    found = scan([tmp_path])
    assert len(found.references) == 60_000
    last = max(found.references, key=lambda r: r.line)
    assert (last.repo_id, last.line, last.column) == ("org/m59999", 60_001, 12)
    assert [p.detail for p in found.problems] == ["configuration file over 1 MiB: read line by line"]


@pytest.mark.parametrize("name, text", [
    ("deep.json", '{"model": "org/in-json", "x": ' + "[" * 100_000 + "]" * 100_000 + "}"),
    ("deep.toml", 'model = "org/in-toml"\nx = ' + "[" * 100_000 + "]" * 100_000 + "\n"),
    ("deep.yaml", "model: org/in-yaml\nx: " + "[" * 100_000 + "]" * 100_000 + "\n"),
    ("deep.ipynb", '{"cells": [{"cell_type": "code", "source": ["m = AutoModel.from_pretrained(\\"org/in-nb\\")"]}], '
                   '"x": ' + "[" * 100_000 + "]" * 100_000 + "}"),
    ("long.py", "x = " + "+".join(["1"] * 1500) + '\nAutoModel.from_pretrained("org/in-py")\n'),
])
def test_deep_documents_and_long_expressions_end_in_a_report_not_a_traceback(empty_catalogue, db_url, tmp_path,
                                                                            name, text):
    # Before: RecursionError ended the whole check with a traceback and exit 1, and no report.
    (tmp_path / name).write_text(text)
    done = check(tmp_path, db_url, "--format", "json")
    report = json.loads(done.stdout)
    assert len(report["models"]) == 1 and report["models"][0]["repo_id"].startswith("org/in-")
    assert [(p["code"], p["file"]) for p in report["problems"]] == [("scan-incomplete", name)]


@pytest.mark.skipif(sys.platform == "darwin", reason="macOS file systems refuse names that are not UTF-8")
def test_a_file_name_that_is_not_utf8_is_percent_encoded_in_sarif(empty_catalogue, db_url, tmp_path):
    # Before: --format sarif crashed with UnicodeEncodeError.
    with open(os.path.join(os.fsencode(tmp_path), b"caf\xe9.py"), "w") as handle:
        handle.write(HIDDEN)
    done = check(tmp_path, db_url, "--format", "sarif")
    log = json.loads(done.stdout)
    jsonschema.validate(log, SARIF_SCHEMA)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]}
    assert uris == {"caf%E9.py"}
    for fmt in ("text", "json", "junit", "markdown"):
        out = check(tmp_path, db_url, "--format", fmt).stdout
        shown = json.loads(out)["models"][0]["references"][0]["file"] if fmt == "json" else out
        assert "caf\\xe9.py" in shown, fmt


def test_unresolved_references_appear_in_every_format(empty_catalogue, db_url, tmp_path):
    (tmp_path / "train.py").write_text("def main(args):\n    return AutoModel.from_pretrained(args.model)\n")
    text = check(tmp_path, db_url)
    assert text.returncode == 0  # warn by default
    assert "[unresolved-reference] train.py:2" in text.stdout
    assert "AutoModel.from_pretrained(args.model)" in text.stdout
    assert "WARN: no Hugging Face model references found; 1 unresolved reference" in text.stdout
    report = json.loads(check(tmp_path, db_url, "--format", "json").stdout)
    assert [(p["code"], p["file"], p["line"], p["outcome"]) for p in report["problems"]] == [
        ("unresolved-reference", "train.py", 2, "warn")]
    assert report["overall"] == "warn"
    junit = ET.fromstring(check(tmp_path, db_url, "--format", "junit").stdout)
    [case] = junit.iter("testcase")
    assert case.get("name") == "unresolved-reference train.py:2" and case.find("system-out") is not None
    markdown = check(tmp_path, db_url, "--format", "markdown").stdout
    assert "**unresolved-reference**" in markdown and "`train.py:2`" in markdown
    log = json.loads(check(tmp_path, db_url, "--format", "sarif").stdout)
    jsonschema.validate(log, SARIF_SCHEMA)
    [result] = log["runs"][0]["results"]
    assert result["ruleId"] == "unresolved-reference" and result["level"] == "warning"
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 2


def test_the_policy_decides_whether_scan_problems_fail(empty_catalogue, db_url, tmp_path):
    (tmp_path / "train.py").write_text("def main(args):\n    return AutoModel.from_pretrained(args.model)\n")
    policy = tmp_path / "policy.yaml"
    policy.write_text("findings:\n  fail: [unresolved-reference]\n")
    failing = check(tmp_path, db_url, "--policy", str(policy), "--format", "junit")
    assert failing.returncode == 1
    assert ET.fromstring(failing.stdout).find(".//failure").get("type") == "unresolved-reference"
    policy.write_text("findings:\n  ignore: [unresolved-reference]\n")
    quiet = check(tmp_path, db_url, "--policy", str(policy), "--format", "json")
    assert quiet.returncode == 0 and json.loads(quiet.stdout)["problems"] == []
    policy.write_text("findings:\n  fail: [unresolved-refrence]\n")
    typo = check(tmp_path, db_url, "--policy", str(policy))
    assert typo.returncode == 2 and "did you mean 'unresolved-reference'" in typo.stderr


def test_an_inline_comment_names_the_model_of_an_unresolved_line(empty_catalogue, db_url, tmp_path):
    (tmp_path / "train.py").write_text(
        "def main(args):\n    # catalog: org/declared\n    return AutoModel.from_pretrained(args.model)\n")
    report = json.loads(check(tmp_path, db_url, "--format", "json").stdout)
    assert report["problems"] == []
    assert [(m["repo_id"], m["references"][0]["line"]) for m in report["models"]] == [("org/declared", 2)]


def test_an_internal_error_exits_4_with_one_line(empty_catalogue, db_url, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from catalog.cli.main import main
    from catalog.scan import discovery

    def broken(*args, **kwargs):
        raise KeyError("boom")

    monkeypatch.setattr(discovery, "scan_files", broken)  # in the child process too, where there is one
    monkeypatch.setenv("CATALOG_DATABASE_URL", db_url)
    result = CliRunner().invoke(main, ["check", str(tmp_path)])
    assert result.exit_code == 4
    assert "internal error: KeyError" in result.output


def test_a_scanner_failure_on_one_file_is_a_scan_problem(tmp_path, monkeypatch):
    from catalog.scan import config_files, discovery

    def broken(*args, **kwargs):
        raise IndexError("scanner bug")

    monkeypatch.setattr(config_files, "scan_config", broken)
    (tmp_path / "c.yaml").write_text("model: org/still-found\n")
    (tmp_path / "t.py").write_text('AutoModel.from_pretrained("org/other")\n')
    found = discovery.scan([tmp_path])
    assert {r.repo_id for r in found.references} == {"org/still-found", "org/other"}
    assert [(p.file, p.detail.split(":")[0]) for p in found.problems] == [
        ("c.yaml", "internal error while scanning (IndexError")]


def test_diff_keeps_only_the_scan_problems_the_change_added(empty_catalogue, db_url, tmp_path):
    from tests.scan.test_check import _git

    train = tmp_path / "train.py"
    train.write_text("def main(args):\n    return AutoModel.from_pretrained(args.model)\n")
    _git(tmp_path, "init", "-q", "-b", "main")
    _git(tmp_path, "add", "train.py")
    _git(tmp_path, "commit", "-q", "-m", "base")
    with train.open("a") as handle:
        handle.write("\ndef other(cfg):\n    return AutoTokenizer.from_pretrained(cfg.tokenizer)\n")
    report = json.loads(check(tmp_path, db_url, "--diff", "HEAD", "--format", "json").stdout)
    assert [(p["code"], p["line"]) for p in report["problems"]] == [("unresolved-reference", 5)]


@pytest.mark.parametrize("name, line", [
    ("config.py", "model" * 40_000),  # one word: an unanchored pattern retried it at every "model"
    ("settings.py", "embedding_model: " + "str" * 60_000),
    ("flags.py", "model = 1\n" + 'add_argument("' + "-" * 200_000),
    ("deploy.yaml", "args: [" + '"--model", ' * 20_000 + "]"),
    ("run", "#!/bin/sh\n" + "vllm serve " * 20_000),
    (".env", "MODEL=" + "${" * 100_000),
    ("app.js", "const model_id = 1;\n" + "/* x\n" * 30_000),  # unclosed block comments: one pass, not one each
    ("keys.js", "const x = " + "a_model_id" * 50_000 + ' = "org/x";'),  # a prefixed model key's prefix
])
def test_a_hostile_line_ends_in_a_report(tmp_path, name, line):
    # A check must end: CI waits on it. The guard is generous (the same files take well under a
    # second); a pattern that backtracks per position takes minutes on them.
    (tmp_path / name).write_text(line + "\n")
    program = "import sys; from catalog.scan.discovery import scan; print(len(scan([sys.argv[1]]).references))"
    done = subprocess.run([sys.executable, "-c", program, str(tmp_path)], check=False, capture_output=True,
                          text=True, timeout=60, cwd=os.getcwd())
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr


def test_another_tools_models_txt_deeper_in_the_tree_is_said_not_fatal(tmp_path):
    (tmp_path / "models.txt").write_text("org/declared\n")
    (tmp_path / "clip_benchmark" / "benchmark").mkdir(parents=True)
    (tmp_path / "clip_benchmark" / "benchmark" / "models.txt").write_text("# arch,pretrained\nViT-B-32,openai\n")
    found = scan([tmp_path])
    assert [r.repo_id for r in found.references] == ["org/declared"]
    [problem] = found.problems
    assert (problem.code, problem.file, problem.line) == ("scan-incomplete", "clip_benchmark/benchmark/models.txt", 2)
    assert problem.detail.startswith("not read as a catalog manifest: ")
    # The project's own manifest at the top stays strict: a mistake in it stops the check.
    (tmp_path / "models.txt").write_text("org/declared\nnot a model id\n")
    with pytest.raises(DiscoveryError, match="models.txt:2: "):
        scan([tmp_path])
