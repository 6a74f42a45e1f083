"""`catalog check` through the real console entry point, against a populated catalogue."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from catalog.db.engine import make_engine, make_sessionmaker, transaction, upgrade
from catalog.db.tables import Flag, HubModel, Team
from catalog.hubsim.server import HubServer
from catalog.hubsim.store import HubStore
from tests.factories import hub_item, load

TREE = Path(__file__).parents[1] / "fixtures" / "check"
CATALOGUE = (
    hub_item("acme/good-model", license="apache-2.0"),
    hub_item("acme/nc-model", license="cc-by-nc-4.0"),
    hub_item("acme/custom-license-model", license="other", card={"license_name": "acme-custom"}),
    hub_item("acme/pickle-model", license="mit", siblings=[{"rfilename": "pytorch_model.bin"}]),
)


def run(*args: str, db_url: str, cwd: Path, command: str = "check", **env: str) -> subprocess.CompletedProcess:
    """Run `python -m catalog <command> ...` as CI would, with the test database."""
    environ = {**os.environ, "CATALOG_DATABASE_URL": db_url, "NO_COLOR": "1", **env}
    return subprocess.run([sys.executable, "-m", "catalog", command, *args], cwd=cwd, env=environ,
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture
def catalogue(factory):
    load(factory, *CATALOGUE)
    return factory


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the fixture tree outside this repository's git work tree."""
    copy = tmp_path / "project"
    shutil.copytree(TREE, copy)
    return copy


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_violations_exit_1_and_name_every_place_the_model_is_used(catalogue, db_url, tree):
    done = run(db_url=db_url, cwd=tree)
    assert done.returncode == 1, done.stderr
    out = done.stdout
    assert "FAIL  acme/nc-model@aaaaaaa  (cc-by-nc-4.0)" in out
    assert "[license-denied]" in out and "app/serve.py:5" in out
    assert "FAIL  acme/custom-license-model" in out and "[license-unknown]" in out
    assert "WARN  acme/pickle-model" in out and "scripts/fetch.sh:3" in out
    # One model, three places: the constant, the literal and the YAML key.
    assert "used at: app/train.py:7, app/train.py:8, configs/eval.yaml:2" in out
    assert out.rstrip().splitlines()[-1].startswith("FAIL: 4 models checked: 2 fail, 1 warn, 1 pass (context saas")
    assert "\x1b[" not in out  # no colour when stdout is not a terminal


def test_passing_models_exit_0_and_warnings_do_not_fail(catalogue, db_url, tree):
    passing = run("app/train.py", db_url=db_url, cwd=tree)
    assert passing.returncode == 0, passing.stdout + passing.stderr
    assert "PASS  acme/good-model" in passing.stdout
    warning = run("scripts", db_url=db_url, cwd=tree)
    assert warning.returncode == 0, warning.stdout + warning.stderr
    assert warning.stdout.rstrip().splitlines()[-1].startswith("WARN: 1 model checked: 1 warn")


def test_no_references_pass(catalogue, db_url, tmp_path):
    write(tmp_path / "empty" / "main.py", "print('no models here')\n")
    done = run("empty", db_url=db_url, cwd=tmp_path)
    assert done.returncode == 0
    assert "no Hugging Face model references found" in done.stdout


def test_context_and_policy_options_change_the_verdict(catalogue, db_url, tree):
    # The tree's own policy denies non-commercial licenses; research use under a policy that does
    # not deny them is allowed by the knowledge base.
    done = run("app/serve.py", "--policy", "policies/permissive.yaml", db_url=db_url, cwd=tree)
    assert "acme/nc-model" in done.stdout and "license-denied" not in done.stdout
    assert "(context research" in done.stdout
    saas = run("app/serve.py", "--policy", "policies/permissive.yaml", "--context", "saas", db_url=db_url, cwd=tree)
    assert "(context saas" in saas.stdout
    assert "[license-not-allowed-in-context] " in saas.stdout


def test_bad_policy_file_exits_2_naming_the_line(catalogue, db_url, tree):
    done = run("--policy", "policies/broken.yaml", db_url=db_url, cwd=tree)
    assert done.returncode == 2
    assert "policies/broken.yaml line 4" in done.stderr
    assert "apache2" in done.stderr and "Traceback" not in done.stderr


def test_usage_errors_exit_2(catalogue, db_url, tree):
    assert run("no/such/dir", db_url=db_url, cwd=tree).returncode == 2
    assert run("--context", "moon", db_url=db_url, cwd=tree).returncode == 2
    assert run("--policy", "missing.yaml", db_url=db_url, cwd=tree).returncode == 2
    unknown_team = run("--team", "nobody", db_url=db_url, cwd=tree)
    assert unknown_team.returncode == 2 and "no team named 'nobody'" in unknown_team.stderr


def test_malformed_manifest_exits_2(catalogue, db_url, tmp_path):
    write(tmp_path / "models.txt", "acme/good-model\nnot a model id at all\n")
    done = run(".", db_url=db_url, cwd=tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "models.txt" in done.stderr


def test_unreachable_database_exits_3(tree, tmp_path):
    missing = run(db_url=f"sqlite:///{tmp_path / 'nowhere' / 'catalog.db'}", cwd=tree)
    assert missing.returncode == 3
    assert "cannot open the database" in missing.stderr
    assert not (tmp_path / "nowhere").exists()
    refused = run(db_url="postgresql://catalog:secret@127.0.0.1:1/catalog", cwd=tree)
    assert refused.returncode == 3
    assert "cannot open the database" in refused.stderr and "secret" not in refused.stderr


def test_unreachable_server_exits_3(tree):
    done = run("--server", "http://127.0.0.1:1", db_url="sqlite:///unused.db", cwd=tree)
    assert done.returncode == 3
    assert "cannot reach the catalog server at http://127.0.0.1:1" in done.stderr


def _git(cwd: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


def test_diff_keeps_only_references_added_since_the_base(catalogue, db_url, tree):
    _git(tree, "init", "-q", "-b", "main")
    _git(tree, "add", "app/serve.py", "app/train.py")
    _git(tree, "commit", "-q", "-m", "base")
    # A new line in a committed file, and a wholly new (untracked) file.
    with (tree / "app" / "train.py").open("a") as handle:
        handle.write('\nextra = AutoModelForCausalLM.from_pretrained("acme/pickle-model")\n')
    write(tree / "app" / "new.py", 'from transformers import pipeline\npipe = pipeline("x", model="acme/good-model")\n')
    done = run("--diff", "HEAD", db_url=db_url, cwd=tree)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "acme/pickle-model" in done.stdout and "app/train.py:10" in done.stdout
    assert "app/new.py:2" in done.stdout
    assert "acme/nc-model" not in done.stdout  # committed before the base: not this change's doing
    assert "app/train.py:8" not in done.stdout
    bad_ref = run("--diff", "no-such-ref", db_url=db_url, cwd=tree)
    assert bad_ref.returncode == 2 and "no-such-ref" in bad_ref.stderr


def _check_of_a_model_the_catalogue_lacks(db_url: str, tmp_path: Path) -> subprocess.CompletedProcess:
    """`catalog check` of an app loading newco/fresh, which the catalogue does not hold: it fails."""
    write(tmp_path / "app.py", 'from transformers import AutoModel\nm = AutoModel.from_pretrained("newco/fresh")\n')
    without = run("app.py", db_url=db_url, cwd=tmp_path)
    assert without.returncode == 1
    return without


def _hub_with_the_model() -> HubServer:
    return HubServer(HubStore([hub_item("newco/fresh", license="mit")]))


def test_fetch_missing_pulls_unknown_models_from_the_hub(catalogue, db_url, tmp_path):
    without = _check_of_a_model_the_catalogue_lacks(db_url, tmp_path)
    assert "[not-in-catalogue]" in without.stdout
    with _hub_with_the_model() as server:
        fetched = run("app.py", "--fetch-missing", db_url=db_url, cwd=tmp_path, HF_ENDPOINT=server.url)
    assert fetched.returncode == 0, fetched.stdout + fetched.stderr
    assert "PASS  newco/fresh" in fetched.stdout
    with transaction(catalogue) as session:
        assert session.scalar(select(HubModel.license_id).where(HubModel.repo_id == "newco/fresh")) == "mit"


def test_a_model_not_in_the_catalogue_says_how_to_add_it_and_the_advice_works(catalogue, db_url, tmp_path):
    without = _check_of_a_model_the_catalogue_lacks(db_url, tmp_path)
    assert "add it with `catalog sync --model newco/fresh` (or check with --fetch-missing)" in without.stdout
    with _hub_with_the_model() as server:
        synced = run("--model", "newco/fresh", "--skip-license-files", db_url=db_url, cwd=tmp_path,
                     command="sync", HF_ENDPOINT=server.url)
    assert synced.returncode == 0, synced.stdout + synced.stderr
    assert run("app.py", db_url=db_url, cwd=tmp_path).returncode == 0


def test_a_renamed_models_old_id_in_code_resolves_after_fetch_missing(catalogue, db_url, tmp_path):
    # Code written before the Hub moved legacy models into organisations keeps the old id.
    write(tmp_path / "app.py", 'from transformers import AutoModel\nm = AutoModel.from_pretrained("tiny-bert")\n')
    store = HubStore([hub_item("tiny-bert", license="apache-2.0")])
    store.rename("tiny-bert", "legacy-org/tiny-bert")
    with HubServer(store) as server:
        fetched = run("app.py", "--fetch-missing", db_url=db_url, cwd=tmp_path, HF_ENDPOINT=server.url)
    assert fetched.returncode == 0, fetched.stdout + fetched.stderr
    assert "PASS  legacy-org/tiny-bert" in fetched.stdout
    assert "renamed on the Hub to legacy-org/tiny-bert" in fetched.stderr
    again = run("app.py", db_url=db_url, cwd=tmp_path)  # no Hub needed any more
    assert again.returncode == 0 and "PASS  legacy-org/tiny-bert" in again.stdout
    assert "referenced as tiny-bert, which the catalogue resolves to legacy-org/tiny-bert" in again.stdout
    as_json = json.loads(run("app.py", "--format", "json", db_url=db_url, cwd=tmp_path).stdout)
    assert [(m["repo_id"], [r["as"] for r in m["references"]]) for m in as_json["models"]] == [
        ("legacy-org/tiny-bert", ["tiny-bert"])]


def test_exclude_leaves_vendored_code_out_of_the_check(catalogue, db_url, tmp_path):
    write(tmp_path / "vendor" / "demo.py", 'from transformers import AutoModel\nAutoModel.from_pretrained("newco/fresh")\n')
    assert run(".", db_url=db_url, cwd=tmp_path).returncode == 1
    done = run(".", "--exclude", "vendor/", db_url=db_url, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "newco/fresh" not in done.stdout


def test_fetch_missing_with_the_hub_down_exits_3(catalogue, db_url, tmp_path):
    write(tmp_path / "app.py", 'from transformers import AutoModel\nm = AutoModel.from_pretrained("newco/fresh")\n')
    done = run("app.py", "--fetch-missing", db_url=db_url, cwd=tmp_path, HF_ENDPOINT="http://127.0.0.1:1",
               CATALOG_SYNC_MAX_TRIES="1")
    assert done.returncode == 3, done.stdout + done.stderr
    assert "cannot fetch missing models from the Hub" in done.stderr


def _flag(factory, team: str, repo_id: str, status: str, license_ids: list[str]) -> None:
    with transaction(factory) as session:
        team_row = session.scalar(select(Team).where(Team.name == team)) or Team(name=team)
        session.add(team_row)
        session.flush()
        model = session.scalar(select(HubModel).where(HubModel.repo_id == repo_id))
        session.add(Flag(team_id=team_row.id, model_id=model.id, revision=model.sha, license_ids=license_ids,
                         status=status))


def test_team_flags_count_only_for_that_team(catalogue, db_url, tree):
    _flag(catalogue, "ml", "acme/custom-license-model", "approved", [])
    _flag(catalogue, "ml", "acme/good-model", "banned", ["apache-2.0"])
    _flag(catalogue, "web", "acme/good-model", "approved", ["apache-2.0"])
    approved = run("app/serve.py", "--context", "internal", "--policy", "policies/permissive.yaml",
                   "--team", "ml", db_url=db_url, cwd=tree)
    assert "PASS  acme/custom-license-model" in approved.stdout
    without_team = run("app/serve.py", "--context", "internal", "--policy", "policies/permissive.yaml",
                       db_url=db_url, cwd=tree)
    assert "FAIL  acme/custom-license-model" in without_team.stdout
    banned = run("app/train.py", "--team", "ml", db_url=db_url, cwd=tree)
    assert banned.returncode == 1 and "[team-banned] Team ml banned acme/good-model" in banned.stdout
    assert run("app/train.py", "--team", "web", db_url=db_url, cwd=tree).returncode == 0


def test_approval_under_another_license_is_stale(catalogue, db_url, tree):
    # Approved when the model was MIT; it is Apache-2.0 now, so the approval no longer counts.
    _flag(catalogue, "ml", "acme/good-model", "approved", ["mit"])
    done = run("app/train.py", "--team", "ml", db_url=db_url, cwd=tree)
    assert "[team-approval-stale]" in done.stdout
    # The newest flag wins: a fresh approval under the current license is not stale.
    _flag(catalogue, "ml", "acme/good-model", "approved", ["apache-2.0"])
    assert "team-approval-stale" not in run("app/train.py", "--team", "ml", db_url=db_url, cwd=tree).stdout


def test_remote_mode_against_a_live_server(catalogue, db_url, tree):
    # test_api serves the real app with real API tokens; this test is about the CLI talking to that API.
    from tests.web.test_api import live_server

    unused = f"sqlite:///{tree / 'unused.db'}"
    with live_server(catalogue, db_url) as (url, token):
        done = run("--server", url, db_url=unused, cwd=tree, CATALOG_TOKEN=token)
        refused = run("--server", url, db_url=unused, cwd=tree, CATALOG_TOKEN="wrong")
        bad_policy = run("--server", url, "--policy", "policies/broken.yaml", db_url=unused, cwd=tree,
                         CATALOG_TOKEN=token)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "FAIL  acme/nc-model" in done.stdout and "app/serve.py:5" in done.stdout
    assert "PASS  acme/good-model" in done.stdout and "(context saas" in done.stdout
    assert not (tree / "unused.db").exists()  # remote mode never touches a local database
    assert refused.returncode == 3 and "401" in refused.stderr
    assert bad_policy.returncode == 2 and "line 4" in bad_policy.stderr


# What `catalog check` (local database) must not import: it runs on every push and pays for every
# import. The web stack, Alembic (the schema check reads alembic_version itself), the Hub client,
# the account and server commands, and on SQLite the PostgreSQL dialect.
NOT_ON_THE_CHECK_PATH = ("fastapi", "starlette", "jinja2", "uvicorn", "alembic", "huggingface_hub", "httpx",
                         "argon2", "catalog.web", "catalog.crawl", "catalog.hubsim", "catalog.teams",
                         "catalog.cli.accounts", "catalog.cli.serve")


def test_check_leaves_no_wal_files_beside_a_sqlite_catalogue(tree, tmp_path):
    # The check skips the interpreter's last collection; the connection must still be closed, or
    # SQLite's -wal and -shm files stay beside the user's catalogue after every run.
    path = tmp_path / "own.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    load(make_sessionmaker(engine), *CATALOGUE)
    engine.dispose()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["own.db", "project"]
    done = run(db_url=f"sqlite:///{path}", cwd=tree)
    assert done.returncode == 1 and "acme/nc-model" in done.stdout, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["own.db", "project"]


def test_check_imports_neither_the_web_stack_nor_the_hub_client(catalogue, db_url, tree):
    probe = ("import sys\nfrom catalog.cli.main import main\n"
             "try:\n    main(['check', '.'])\nexcept SystemExit as exc:\n    code = exc.code\n"
             "print('EXIT', code, ' '.join(sorted(sys.modules)), file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", probe], cwd=tree, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "CATALOG_DATABASE_URL": db_url, "NO_COLOR": "1"}, check=False)
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("EXIT 1 "), done.stderr  # the fixture tree has violations: the check ran to the end
    loaded = set(last.split()[2:])
    on_sqlite = db_url.startswith("sqlite")
    forbidden = NOT_ON_THE_CHECK_PATH + (("sqlalchemy.dialects.postgresql",) if on_sqlite else ())
    assert not {name for name in loaded for banned in forbidden
                if name == banned or name.startswith(banned + ".")}
    assert "catalog.scan.check" in loaded  # the probe saw the real check path


def test_json_references_name_the_lines_that_decide_them(catalogue, db_url, tmp_path):
    write(tmp_path / "app.py", 'from transformers import AutoModel\nBASE = "acme/apache-model"\n\n'
                               'm = AutoModel.from_pretrained(BASE, revision="main")\n')
    report = json.loads(run("app.py", "--format", "json", db_url=db_url, cwd=tmp_path).stdout)
    [reference] = [r for m in report["models"] for r in m["references"]]
    # Reported at the load; the constant's line decides it too (a JSON consumer finds the literal).
    assert (reference["line"], reference["related_lines"]) == (4, [2])
