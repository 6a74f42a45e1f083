"""Local and `--server` checks of the same tree give the same report (issue 12), because both
resolve ids with the one resolver: bare names, case, former ids and ambiguous bare names."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from catalog.db.engine import transaction
from catalog.db.tables import HubModel, ModelAlias
from tests.factories import hub_item, load, redirect
from tests.scan.test_check import run, write


@pytest.fixture
def catalogue(factory):
    load(factory,
         hub_item("openai-community/gpt2", license="mit"),
         hub_item("acme/good-model", license="apache-2.0"),
         hub_item("meta-llama/Llama-3.1-8B", license="llama3.1", downloads=900),
         hub_item("unsloth/Llama-3.1-8B", license="llama3.1", downloads=10),
         hub_item("google-bert/bert-base-uncased", license="apache-2.0"))
    with transaction(factory) as session:
        bert = session.scalar(select(HubModel.id).where(HubModel.repo_id == "google-bert/bert-base-uncased"))
        session.add(ModelAlias(alias="bert-base-uncased", model_id=bert))
    redirect(factory, "gpt2", "openai-community/gpt2")
    return factory


@pytest.fixture
def server_url(catalogue, db_url: str) -> Iterator[tuple[str, str]]:
    from tests.web.test_api import live_server

    with live_server(catalogue, db_url) as served:
        yield served


def _tree(root: Path) -> Path:
    write(root / "configs" / "distill.yaml", "teacher_model: gpt2\nstudent: {model: ACME/Good-Model}\n"
                                             "reward_model: my-local-rm\n")
    write(root / "train.py", "from transformers import AutoModel\n"
                             "AutoModel.from_pretrained('bert-base-uncased')\n"
                             "AutoModel.from_pretrained('Llama-3.1-8B')\n")
    return root


def _models(stdout: str) -> list[tuple]:
    report = json.loads(stdout)
    return sorted((m["repo_id"], m["verdict"], tuple(sorted(r["code"] for r in m["reasons"])),
                   tuple(sorted((ref["file"], ref["line"]) for ref in m["references"])))
                  for m in report["models"])


def test_local_and_server_checks_of_one_tree_report_the_same(catalogue, db_url: str, server_url, tmp_path: Path):
    url, token = server_url
    tree = _tree(tmp_path / "project")
    local = run("--format", "json", db_url=db_url, cwd=tree)
    remote = run("--format", "json", "--server", url, db_url=f"sqlite:///{tmp_path / 'unused.db'}", cwd=tree,
                 CATALOG_TOKEN=token)
    assert local.returncode == remote.returncode == 1, local.stderr + remote.stderr
    assert _models(local.stdout) == _models(remote.stdout)
    found = {model[0]: model for model in _models(local.stdout)}
    # The bare `teacher_model: gpt2` is reported (by both), resolved to its catalogue id.
    assert found["openai-community/gpt2"][1] == "pass"
    assert found["acme/good-model"][1] == "pass"  # case
    assert found["google-bert/bert-base-uncased"][1] == "pass"  # former id
    assert found["Llama-3.1-8B"][1] == "fail"  # ambiguous: says so, with the candidates
    assert "my-local-rm" not in found  # an unknown bare name in a weak position stays out, both ways
    text = run(db_url=db_url, cwd=tree).stdout
    assert "ambiguous" in text and "unsloth/Llama-3.1-8B" in text
