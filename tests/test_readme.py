"""Every shell and curl example of README.md runs as printed (issue 12).

The convention (also in the README's Development section):

1. Shell and curl examples go in ```bash fences; every other fence names its language (`yaml`,
   `json`, `text` for diagrams and usage synopses, ...). A bare ``` fence fails this test, so no
   example escapes it silently.
2. Each ```bash block runs as one script under ``bash -e -o pipefail`` (the first failing line
   fails the block), in README order, in one scratch folder (the cwd), with this checkout's venv
   ``bin/`` first on PATH. Blocks share state: a team added by one block exists in the next.
3. Every block gets: ``CATALOG_DATABASE_URL``, a copy of the demo catalogue (``catalog demo
   --no-serve``: 9,630 real models) holding an admin ``readme-admin`` of team ``readme-team``;
   ``HF_ENDPOINT``, the demo Hub server (``catalog.hubsim.server``), so ``catalog sync`` works
   offline; a live ``catalog serve`` on loopback over that database (the literal
   ``http://127.0.0.1:8000`` in a block is rewritten to its address); ``CATALOG_TOKEN``, the
   admin's API token; ``PW``, a valid password; and on stdin the password twice (for prompts).
   The server's ``CATALOG_POLICY_DIR`` holds a ``strict.yaml``.
   Placeholders such as ``<sha>`` are not filled in: write runnable shell instead.
4. Directives are HTML comments (invisible on GitHub) on the lines directly above a fence:
   ``<!-- readme-test: skip REASON -->`` (not run; listed below with its reason),
   ``<!-- readme-test: exit N -->`` (expected exit status, default 0),
   ``<!-- readme-test: expect TEXT -->`` (stdout+stderr must contain TEXT; repeatable),
   ``<!-- readme-test: timeout SECONDS -->`` (default 120).
5. Whatever the directives, no block may print a Python traceback or an API error body
   (``"ok":false``) unless an ``expect`` names it.

Blocks run by one test, in order (they share state); each skipped block is also reported as a
skipped test with its reason, so ``pytest -rs`` lists what the README test cannot run here.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
BIN = Path(sys.executable).parent
DOCUMENTED_SERVER = "http://127.0.0.1:8000"
PASSWORD = "readme-password-123"
LANGUAGES = {"bash", "text", "yaml", "json", "toml", "python", "ini", "csv", "markdown"}
DIRECTIVES = {"skip", "exit", "expect", "timeout"}
_DIRECTIVE = re.compile(r"^<!--\s*readme-test:\s*(\S+)\s*(.*?)\s*-->$")


@dataclass
class Block:
    """One fenced block of the README and the directives above it."""

    line: int  # of the opening fence, 1-based
    language: str
    code: str
    directives: list[tuple[str, str]] = field(default_factory=list)

    @property
    def skip(self) -> str | None:
        return next((value or "no reason given" for name, value in self.directives if name == "skip"), None)

    @property
    def exit_code(self) -> int:
        return int(next((value for name, value in self.directives if name == "exit"), 0))

    @property
    def expected(self) -> list[str]:
        return [value for name, value in self.directives if name == "expect"]

    @property
    def timeout(self) -> float:
        return float(next((value for name, value in self.directives if name == "timeout"), 120))

    def describe(self) -> str:
        first = next((line for line in self.code.splitlines() if line.strip()), "")
        return f"README.md:{self.line} ({first[:70]})"


def readme_blocks(text: str) -> list[Block]:
    """The fenced blocks of a Markdown text, each with the directives directly above it."""
    blocks: list[Block] = []
    lines = text.splitlines()
    pending: list[tuple[str, str]] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        directive = _DIRECTIVE.match(line.strip())
        if directive:
            pending.append((directive.group(1), directive.group(2)))
            index += 1
            continue
        if line.startswith("```"):
            start, body = index, []
            index += 1
            while index < len(lines) and not lines[index].startswith("```"):
                body.append(lines[index])
                index += 1
            blocks.append(Block(start + 1, line[3:].strip(), "\n".join(body) + "\n", pending))
            pending = []
        else:
            pending = []  # directives belong to the fence right below them only
        index += 1
    return blocks


BLOCKS = readme_blocks(README.read_text(encoding="utf-8"))
RUNNABLE = [b for b in BLOCKS if b.language == "bash"]


def test_every_fence_names_its_language_and_directives_are_known() -> None:
    bare = [b.describe() for b in BLOCKS if not b.language]
    assert not bare, f"fences without a language (use bash for shell, text for the rest): {bare}"
    unknown = [b.describe() for b in BLOCKS if b.language not in LANGUAGES]
    assert not unknown, f"fences in a language this test does not know: {unknown}"
    bad = [(b.describe(), name) for b in BLOCKS for name, _ in b.directives if name not in DIRECTIVES]
    assert not bad, f"unknown readme-test directives: {bad}"
    assert len(RUNNABLE) >= 5


@pytest.mark.parametrize("block", [b for b in RUNNABLE if b.skip], ids=lambda b: f"line{b.line}")
def test_blocks_not_run_here_are_listed(block: Block) -> None:
    pytest.skip(f"{block.describe()}: {block.skip}")


# --- the environment the blocks run in --------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _clean_environ() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("CATALOG_", "HF_"))}


@pytest.fixture(scope="module")
def readme_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Demo catalogue, demo Hub, admin token and a live `catalog serve`, as the docstring says."""
    from catalog.db.engine import open_database, transaction
    from catalog.hubsim.server import HubServer, HubStore
    from catalog.hubsim.snapshot import SNAPSHOT_PATH
    from catalog.teams.accounts import Actor, add_team, add_user, create_token

    home = tmp_path_factory.mktemp("readme")
    database = home / "catalogue.db"
    built = subprocess.run([str(BIN / "catalog"), "demo", "--no-serve", "--database", str(database)], cwd=home,
                           env=_clean_environ(), capture_output=True, text=True, timeout=600, check=False)
    assert built.returncode == 0, built.stderr[-2000:]
    url = f"sqlite:///{database}"
    with transaction(open_database(url)) as session:
        actor = Actor(name="readme-test")
        add_team(session, "readme-team", actor)
        admin = add_user(session, "readme-admin", role="admin", team="readme-team", password=PASSWORD, actor=actor)
        _, token = create_token(session, admin, name="readme", actor=actor)
    work = home / "work"
    work.mkdir()
    (home / ".curlrc").write_text("silent\nshow-error\n")  # no progress meters in failure reports (CURL_HOME)
    policies = home / "policies"  # the server's CATALOG_POLICY_DIR, for the named-policy example
    policies.mkdir()
    (policies / "strict.yaml").write_text("context: saas\nallow: [apache-2.0, mit]\nunknown: fail\n")
    with HubServer(HubStore.from_jsonl(SNAPSHOT_PATH)) as hub:
        port = _free_port()
        env = {**_clean_environ(), "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
               "CATALOG_DATABASE_URL": url, "HF_ENDPOINT": hub.url, "CATALOG_TOKEN": token, "PW": PASSWORD,
               "CATALOG_SYNC_BACKOFF_BASE": "0.05", "NO_COLOR": "1", "README_WORK": str(work),
               "README_SERVER": f"http://127.0.0.1:{port}", "CURL_HOME": str(home)}
        server = subprocess.Popen([str(BIN / "catalog"), "serve", "--port", str(port)], cwd=work,
                                  env={**env, "CATALOG_POLICY_DIR": str(policies)},
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{env['README_SERVER']}/healthz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert server.poll() is None and time.monotonic() < deadline, "catalog serve did not start"
                time.sleep(0.2)
            yield env
        finally:
            server.terminate()
            server.wait(10)


def _run(block: Block, env: dict[str, str]) -> tuple[int, str]:
    script = block.code.replace(DOCUMENTED_SERVER, env["README_SERVER"])
    try:
        done = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", script], cwd=env["README_WORK"], env=env,
                              input=f"{PASSWORD}\n{PASSWORD}\n", capture_output=True, text=True,
                              timeout=block.timeout, check=False)
    except subprocess.TimeoutExpired:
        return -1, f"timed out after {block.timeout:.0f}s"
    return done.returncode, done.stdout + done.stderr


@pytest.mark.slow
def test_readme_examples_run_as_printed(readme_env: dict[str, str]) -> None:
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    failures, ran = [], 0
    for block in RUNNABLE:
        if block.skip:
            continue
        code, output = _run(block, readme_env)
        ran += 1
        problems = []
        if code != block.exit_code:
            problems.append(f"exit {code}, expected {block.exit_code}")
        problems += [f"missing {text!r}" for text in block.expected if text not in output]
        if "Traceback (most recent call last)" in output:
            problems.append("printed a traceback")
        if re.search(r'"ok":\s*false', output) and not any('"ok"' in text for text in block.expected):
            problems.append("an API answered with an error")
        if problems:
            failures.append(f"{block.describe()}: {'; '.join(problems)}\n{output[-3000:]}")
    assert ran >= 5
    assert not failures, "README examples that do not work as printed:\n\n" + "\n\n".join(failures)


def test_every_repository_path_the_readme_names_exists() -> None:
    """A path in backquotes (`catalog/compliance/policy.py`, `tests/benchmarks/...`) is one a reader
    will open: after a module moves, the README must follow (placeholders like `<hash>` aside)."""
    named = set(re.findall(r"`((?:catalog|templates|tests|migrations|docs|\.ci)/[^`\s<>*]+)`", README.read_text()))
    assert len(named) > 20
    assert sorted(path for path in named if not (ROOT / path).exists()) == []
