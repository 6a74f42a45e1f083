"""Hostile policies (issue 11): billion laughs, NUL bytes, deep nesting, huge files. Each is
refused with the line, in bounded time and memory: exit 2 on the CLI, HTTP 400 from the API."""

from __future__ import annotations

import os
import resource
import subprocess
import sys

import pytest
from fastapi.testclient import TestClient

from catalog.compliance.policy import PolicyError, load_policy, load_policy_file
from catalog.compliance.policy_source import MAX_POLICY_BYTES, MAX_POLICY_DEPTH

# 340 bytes that expand to 9**8 strings when aliases are followed (seen running for minutes).
LAUGHS = ('context: saas\nlol: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
          + "".join(f"l{i}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(7)))
# Nested aliases in a list the policy reads (seen taking the CLI to 2.9 GB and a segfault).
DENY_BOMB = ("x: &a [mit, mit, mit, mit, mit, mit, mit, mit, mit, mit]\n"
             + "".join(f"y{i}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(8))
             + "deny: *i\ncontext: saas\n")
HOSTILE = {
    "laughs": (LAUGHS, 3, "aliases"),
    "deny-bomb": (DENY_BOMB, 2, "aliases"),
    "nul": ("context: saas\ndeny: [mit]\nallow: [apache-2.0\x00]\n", 3, "U+0000"),
    "deep": ("context: saas\ndeny: " + "[" * 100_000 + "]" * 100_000 + "\n", 2, f"deeper than {MAX_POLICY_DEPTH}"),
    "deep-map": ("context: saas\n" + "".join("  " * i + f"k{i}:\n" for i in range(60)), 17, "deeper than"),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_policy_is_refused_with_its_line(name):
    text, line, words = HOSTILE[name]
    with pytest.raises(PolicyError) as caught:
        load_policy(text, source="p.yaml")
    assert caught.value.line == line, str(caught.value)
    assert words in str(caught.value)
    assert caught.value.unparseable


def test_a_huge_policy_file_is_refused_before_it_is_read_whole(tmp_path):
    big = tmp_path / "p.yaml"
    big.write_text("context: saas\n# " + "x" * (MAX_POLICY_BYTES + 10) + "\n")
    with pytest.raises(PolicyError, match="over 262,144 bytes"):
        load_policy_file(big)


def _limited() -> None:  # a child that tried to expand an alias bomb would die here, not swap
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


@pytest.mark.parametrize("name", ["laughs", "deny-bomb", "nul", "deep"])
def test_the_cli_exits_2_with_the_line_in_bounded_time_and_memory(name, tmp_path, db_url):
    text, line, words = HOSTILE[name]
    (tmp_path / "app.py").write_text('AutoModel.from_pretrained("acme/model")\n')
    (tmp_path / "policy.yaml").write_text(text)
    env = {**os.environ, "CATALOG_DATABASE_URL": db_url, "NO_COLOR": "1"}
    done = subprocess.run([sys.executable, "-m", "catalog", "check", "--policy", "policy.yaml", "."], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=60, preexec_fn=_limited, check=False)
    assert done.returncode == 2, done.stderr[-2000:]
    assert f"policy.yaml line {line}" in done.stderr and words in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("name", list(HOSTILE))
def test_the_api_answers_400_with_the_line(name, client: TestClient):
    text, line, words = HOSTILE[name]
    response = client.post("/api/v1/check", json={"models": ["acme/model"], "policy": text, "context": "saas"})
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["ok"] is False and f"line {line}" in body["message"] and words in body["message"]
    assert body["errors"][0]["field"] == "policy"


def test_a_policy_too_deep_as_json_is_a_400(client: TestClient):
    body = '{"models": ["acme/model"], "policy": {"deny": ' + "[" * 50_000 + "]" * 50_000 + "}}"
    response = client.post("/api/v1/check", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert response.json()["ok"] is False


def test_a_named_policy_file_is_bounded_too(db_url, tmp_path):
    from catalog.config import Settings
    from catalog.web.app import create_app

    (tmp_path / "bomb.yaml").write_text(LAUGHS)
    settings = Settings(database_url=db_url, public_read=True, secret_key="k", policy_dir=tmp_path)
    with TestClient(create_app(settings)) as named:
        response = named.post("/api/v1/check", json={"models": ["acme/model"], "policy": "bomb"})
    assert response.status_code == 400 and "bomb.yaml line 3" in response.json()["message"]
    assert str(tmp_path) not in response.text
