"""`catalog check` reads the tree in a child process while it opens the catalogue (two or more
CPUs): the report, the exit code and the errors are the one-CPU, sequential check's, byte for byte,
and no process is left behind, whatever happens."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.factories import hub_item, load, redirect
from tests.scan.test_check import write

pytestmark = pytest.mark.skipif(not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2,
                                reason="the check reads the tree in a child process only with two or more CPUs")

# Runs `catalog <args>` in this process as the console script does, on one CPU (the sequential
# check) or all, counting the forks; then says whether any child process, running or a zombie, remains.
# With all CPUs, one counts as idle even when the machine is busy (the tests run in parallel).
PROBE = """\
import os, signal, sys
import catalog.scan.background as background
mode, args = sys.argv[1], sys.argv[2:]
if mode == "one-cpu":
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
else:
    background.idle_cpus = lambda: 1
forks = []
fork = os.fork
def counted():
    pid = fork()
    if pid:
        forks.append(pid)
        print(f"CHILD {pid}", file=sys.stderr, flush=True)
    return pid
os.fork = counted
if mode == "child-killed":  # as the kernel's OOM killer would
    background._guessed_scan = lambda *_: os.kill(os.getpid(), signal.SIGKILL)
if mode in ("slow-child", "parent-killed"):  # the parent is ready long before the child has read the tree
    import time
    import catalog.scan.discovery as discovery
    parent, scan_one = os.getpid(), discovery.scan_one
    def slow(*args):
        if os.getpid() != parent:
            time.sleep(0.03 if mode == "slow-child" else 1)
        return scan_one(*args)
    discovery.scan_one = slow
if mode == "parent-killed":  # kill -9 while the catalogue opens
    import catalog.cli.check as check
    check._open_catalogue = lambda *_, **__: os.kill(os.getpid(), signal.SIGKILL)
if mode == "interrupted":  # Ctrl-C while the catalogue opens
    import catalog.cli.check as check
    def interrupt(*_, **__):
        raise KeyboardInterrupt
    check._open_catalogue = interrupt
from catalog.cli.main import main
try:
    main(args, prog_name="catalog")
    code = 0
except SystemExit as exc:
    code = exc.code
try:
    os.waitpid(-1, os.WNOHANG)
    left = "yes"
except ChildProcessError:
    left = "no"
print(f"PROBE forks={len(forks)} children-left={left}", file=sys.stderr)
sys.exit(code)
"""


def probe(mode: str, *args: str, db_url: str, cwd: Path) -> tuple[int, str, str, str]:
    """Exit code, stdout, stderr (without the probe's line) and the probe's line."""
    done = subprocess.run([sys.executable, "-c", PROBE, mode, "check", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120, check=False,
                          env={**os.environ, "CATALOG_DATABASE_URL": db_url, "NO_COLOR": "1"})
    *stderr, line = (line for line in done.stderr.splitlines(keepends=True) if not line.startswith("CHILD "))
    return done.returncode, done.stdout, "".join(stderr), line.strip()


def tree(root: Path) -> Path:
    """Every way a file's scan can depend on the catalogue, and a guess the child gets right or wrong:

    ``gpt2`` bare in a weak position counts only if the catalogue knows it (the child guesses it
    does not); ``acme/good-model`` is named by a loader and quoted elsewhere (guessed known, rightly);
    ``acme/not-there`` too (guessed known, wrongly); ``acme/quoted-only`` is only quoted (guessed unknown).
    """
    write(root / "configs" / "distill.yaml", "teacher_model: gpt2\nreward_model: my-local-rm\n")
    write(root / "train.py", "from transformers import AutoModel\nBASE = 'acme/good-model'\n"
                             "model = AutoModel.from_pretrained(BASE)\n"
                             "other = AutoModel.from_pretrained('acme/not-there')\n")
    write(root / "serve.py", "NAMES = ['acme/good-model', 'acme/not-there', 'acme/quoted-only', 'text/plain']\n")
    write(root / "loader.py", "def load(args):\n    return AutoModel.from_pretrained(args.model)\n")
    for i in range(30):  # enough files that the child is still reading while the parent opens the catalogue
        write(root / "pkg" / f"m{i}.py", f"def f(x):\n    return x * {i}\n")
    return root


@pytest.mark.parametrize("knows_gpt2", [True, False], ids=["gpt2-known", "gpt2-unknown"])
def test_the_report_is_the_sequential_checks_in_every_format(factory, db_url, tmp_path, knows_gpt2):
    load(factory, hub_item("acme/good-model", license="apache-2.0"), hub_item("acme/quoted-only", license="mit"),
         hub_item("openai-community/gpt2", license="cc-by-nc-4.0"))
    if knows_gpt2:  # the Hub's redirect of the legacy id, recorded (a model of that name alone is not enough)
        redirect(factory, "gpt2", "openai-community/gpt2")
    project = tree(tmp_path / "project")
    for fmt in ("text", "json", "sarif", "junit", "markdown"):
        code, out, err, line = probe("all-cpus", "--format", fmt, db_url=db_url, cwd=project)
        assert line == "PROBE forks=1 children-left=no", err
        assert (code, out, err) == probe("one-cpu", "--format", fmt, db_url=db_url, cwd=project)[:3]
        assert code == 1 and "acme/not-there" in out and ("gpt2" in out) is knows_gpt2, err


def test_the_parent_reads_what_the_child_has_not_reached(factory, db_url, tmp_path):
    load(factory, hub_item("acme/good-model", license="apache-2.0"), hub_item("openai-community/gpt2", license="mit"))
    redirect(factory, "gpt2", "openai-community/gpt2")
    project = tree(tmp_path / "project")
    for fmt in ("json", "sarif"):
        code, out, err, line = probe("slow-child", "--format", fmt, db_url=db_url, cwd=project)
        assert line == "PROBE forks=1 children-left=no", err
        assert (code, out, err) == probe("one-cpu", "--format", fmt, db_url=db_url, cwd=project)[:3]


def test_diff_and_output_give_the_sequential_report(factory, db_url, tmp_path):
    from tests.scan.test_check import _git

    load(factory, hub_item("acme/good-model", license="apache-2.0"), hub_item("openai-community/gpt2", license="mit"))
    redirect(factory, "gpt2", "openai-community/gpt2")
    project = tree(tmp_path / "project")
    _git(project, "init", "-q", "-b", "main")
    _git(project, "add", "train.py")
    _git(project, "commit", "-q", "-m", "base")
    reports = []
    for mode in ("all-cpus", "one-cpu"):
        code, out, err, line = probe(mode, "--diff", "main", "--format", "json", "--output", f"../{mode}.json",
                                     db_url=db_url, cwd=project)
        reports.append((code, out, err, (tmp_path / f"{mode}.json").read_text()))
        assert line == f"PROBE forks={int(mode == 'all-cpus')} children-left=no", err
    assert reports[0] == reports[1]
    assert "openai-community/gpt2" in reports[0][3] and "train.py" not in reports[0][3]


def test_a_malformed_manifest_is_the_same_one_line_error(factory, db_url, tmp_path):
    project = tree(tmp_path / "project")
    write(project / "models.txt", "org/fine\nnot a model id\n")
    code, out, err, line = probe("all-cpus", db_url=db_url, cwd=project)
    assert line == "PROBE forks=1 children-left=no"
    assert (code, out, err) == probe("one-cpu", db_url=db_url, cwd=project)[:3]
    assert code == 2 and err.startswith("error: models.txt:2: ") and err.count("\n") == 1


def test_a_child_that_dies_leaves_the_parent_to_read_the_tree(factory, db_url, tmp_path):
    load(factory, hub_item("acme/good-model", license="apache-2.0"), hub_item("openai-community/gpt2", license="mit"))
    redirect(factory, "gpt2", "openai-community/gpt2")
    project = tree(tmp_path / "project")
    code, out, err, line = probe("child-killed", "--format", "json", db_url=db_url, cwd=project)
    assert line == "PROBE forks=1 children-left=no"
    assert (code, out, err) == probe("one-cpu", "--format", "json", db_url=db_url, cwd=project)[:3]


@pytest.mark.parametrize("mode", ["all-cpus", "interrupted"])
def test_no_process_is_left_when_the_check_stops_early(tmp_path, mode):
    project = tree(tmp_path / "project")
    missing = f"sqlite:///{tmp_path / 'missing.db'}"
    code, out, err, line = probe(mode, db_url=missing, cwd=project)
    assert line == "PROBE forks=1 children-left=no" and out == ""
    if mode == "interrupted":
        assert code == 1 and "Aborted!" in err
    else:
        assert code == 3 and err.startswith("error: cannot open the database") and err.count("\n") == 1


@pytest.mark.skipif(sys.platform != "linux", reason="the child ends with its parent where Linux can say so")
def test_a_child_ends_with_a_parent_killed_outright(tmp_path):
    project = tree(tmp_path / "project")
    with (tmp_path / "stderr").open("w") as stderr:  # not a pipe: the child would hold it open
        done = subprocess.run([sys.executable, "-c", PROBE, "parent-killed", "check"], cwd=project,
                              stdout=subprocess.DEVNULL, stderr=stderr, timeout=120, check=False,
                              env={**os.environ, "CATALOG_DATABASE_URL": f"sqlite:///{tmp_path / 'missing.db'}"})
    assert done.returncode == -signal.SIGKILL
    child = int((tmp_path / "stderr").read_text().split("CHILD ")[1].split()[0])
    deadline = time.monotonic() + 5
    while _running(child) and time.monotonic() < deadline:  # the slow child alone would take ~30 s
        time.sleep(0.05)
    assert not _running(child)


def _running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie awaiting its reaper is not)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status
