"""A model id passed to the project's own loader: across modules of the tree, and to a class."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from catalog.scan import python_calls
from catalog.scan.base import IdCheck
from catalog.scan.discovery import scan, scan_files
from catalog.scan.python_values import MAX_VALUES


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def found(root: Path, known: set[str] | None = None) -> tuple[set[tuple[str, str, int]], set[tuple[str, int]]]:
    discovery = scan([root], known_ids=known.__contains__ if known is not None else None)
    return ({(r.repo_id, r.file, r.line) for r in discovery.references},
            {(p.file, p.line) for p in discovery.problems if p.code == "unresolved-reference"})


def found_counting_steps(root: Path, monkeypatch) -> tuple[set[tuple[str, str, int]], set[tuple[str, int]], int]:
    """:func:`found`, and how many steps the data flow's resolver took for it."""
    from catalog.scan import python_values

    steps = 0
    resolve = python_values.Resolver._resolve

    def counted(self, *args, **kwargs):
        nonlocal steps
        steps += 1
        return resolve(self, *args, **kwargs)

    monkeypatch.setattr(python_values.Resolver, "_resolve", counted)
    return (*found(root), steps)


LOADERS = '''from transformers import AutoModelForCausalLM, AutoTokenizer


def load(name, revision=None):
    tokenizer = AutoTokenizer.from_pretrained(name)
    return AutoModelForCausalLM.from_pretrained(name, revision=revision), tokenizer


def describe(name):
    print(f"loading {name}")


class Runner:
    def __init__(self, model_name, device="cpu"):
        self.model = AutoModelForCausalLM.from_pretrained(model_name)
'''


def test_an_id_passed_to_a_loader_in_another_module_is_a_reference_at_the_call(tmp_path: Path) -> None:
    write(tmp_path, {
        "pkg/__init__.py": "from .models import load as load_model\n",
        "pkg/models.py": LOADERS,
        "main.py": '''from pkg.models import load, Runner, describe
from pkg import models
from pkg import load_model
import pkg.models as m

BASE = "org/base"


def main():
    load("org/direct")
    models.load(name="org/by-module")
    m.Runner("org/runner")
    load_model(BASE)
    describe("org/only-printed")
''',
    })
    refs, unresolved = found(tmp_path)
    # The id is reported where it is written; the loader's unresolved-reference is settled.
    assert refs == {("org/direct", "main.py", 10), ("org/by-module", "main.py", 11),
                    ("org/runner", "main.py", 12), ("org/base", "main.py", 6)}
    assert unresolved == set()


def test_the_reference_names_the_function_and_the_loader(tmp_path: Path) -> None:
    write(tmp_path, {"pkg/__init__.py": "", "pkg/models.py": LOADERS,
                     "run.py": 'from pkg.models import load\nload("org/direct")\n'})
    refs = scan([tmp_path]).references
    # Two loads of one literal are one place: its line, named through the function called.
    assert [(r.file, r.line, r.kind, r.context) for r in refs] == [
        ("run.py", 2, "python-call", "load() → AutoModelForCausalLM.from_pretrained")]


def test_a_loader_no_call_in_the_tree_feeds_stays_unresolved(tmp_path: Path) -> None:
    write(tmp_path, {"pkg/__init__.py": "", "pkg/models.py": LOADERS,
                     "cli.py": 'import sys\nfrom pkg.models import load\nload(sys.argv[1])\n'})
    refs, unresolved = found(tmp_path)
    assert refs == set()
    assert ("pkg/models.py", 5) in unresolved and ("pkg/models.py", 15) in unresolved


def test_a_class_built_in_its_own_module_feeds_its_initialiser(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": LOADERS + '''

Runner("org/positional")
Runner(model_name="org/keyword", device="cuda")
'''})
    refs, unresolved = found(tmp_path)
    # Reported at the load, which names both literals' lines (the same-module rule).
    assert {r[0] for r in refs} == {"org/positional", "org/keyword"}
    assert ("app.py", 15) not in unresolved


def test_local_folders_and_test_stand_ins_are_not_ids(tmp_path: Path) -> None:
    write(tmp_path, {"pkg/__init__.py": "", "pkg/models.py": LOADERS,
                     "test_models.py": '''from pkg.models import load
load("outputs/run1")
load("mock-model")
load("gpt2")
'''})
    assert found(tmp_path)[0] == set()
    # A bare name counts when the catalogue knows it (as anywhere outside a Hub loader's own call).
    assert found(tmp_path, known={"gpt2"})[0] == {("gpt2", "test_models.py", 4)}


def test_many_calls_of_one_loader_are_all_followed(tmp_path: Path) -> None:
    calls = "".join(f'load("org/m{i}")\n' for i in range(60))
    write(tmp_path, {"pkg/__init__.py": "", "pkg/models.py": LOADERS,
                     "bulk.py": "from pkg.models import load\n" + calls})
    refs, _ = found(tmp_path)
    assert {r[0] for r in refs} == {f"org/m{i}" for i in range(60)}


def test_more_values_than_the_data_flow_follows_is_said(tmp_path: Path) -> None:
    names = ", ".join(f'"org/m{i}"' for i in range(MAX_VALUES + 8))
    write(tmp_path, {"pkg/__init__.py": "", "pkg/models.py": LOADERS,
                     "loop.py": f"from pkg.models import load\nfor name in [{names}]:\n    load(name)\n"})
    refs, unresolved = found(tmp_path)
    assert len(refs) == MAX_VALUES
    assert ("loop.py", 3) in unresolved


def test_a_loaders_table_longer_than_followed_is_said_although_some_are_found(tmp_path: Path) -> None:
    # whisperX's alignment models: 5 names of another table, then 36 Hub ids (9 were cut, unsaid).
    torch_names = ", ".join(f'"t{i}": "TORCH_{i}"' for i in range(5))
    rows = "".join(f'    "l{i}": "org/align-{i}",\n' for i in range(MAX_VALUES + 4))
    write(tmp_path, {"align.py": f"""from transformers import AutoModel
TORCH = {{{torch_names}}}
HF = {{
{rows}}}
def load(lang, name=None):
    if name is None:
        name = TORCH[lang] if lang in TORCH else HF[lang]
    return AutoModel.from_pretrained(name)
"""})
    discovery = scan([tmp_path])
    assert len({r.repo_id for r in discovery.references}) >= MAX_VALUES - 5
    stopped = [p for p in discovery.problems if p.code == "unresolved-reference"]
    assert [p.line for p in stopped] == [MAX_VALUES + 12]
    assert f"the first {MAX_VALUES}" in stopped[0].detail


def test_past_the_trees_bound_the_scan_says_where_it_stopped_following(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(python_calls, "MAX_PROBED_MODULES", 2)
    write(tmp_path, {**{f"lib{i}.py": LOADERS for i in range(4)},
                     "main.py": "".join(f"import lib{i}\n" for i in range(4))
                     + "".join(f'lib{i}.load("org/m{i}")\n' for i in range(4))})
    discovery = scan([tmp_path])
    assert {r.repo_id for r in discovery.references} == {"org/m0", "org/m1"}
    stopped = [p for p in discovery.problems if p.code == "scan-incomplete"]
    assert [(p.file, p.line) for p in stopped] == [("main.py", 7)]
    assert "not followed" in stopped[0].detail
    # The loads not followed keep their unresolved-reference: nothing is settled unsaid.
    assert {(p.file, p.line) for p in discovery.problems if p.code == "unresolved-reference"} >= {
        ("lib2.py", 5), ("lib3.py", 5)}


def test_import_cycles_and_self_imports_end(tmp_path: Path) -> None:
    write(tmp_path, {
        "a.py": 'from b import load\nfrom transformers import AutoModel\n\ndef fetch(name):\n'
                '    return AutoModel.from_pretrained(name)\n\nload("org/from-a")\n',
        "b.py": 'from a import fetch\n\ndef load(name):\n    return fetch(name)\n\nfetch("org/from-b")\n',
    })
    refs, _ = found(tmp_path)
    # b.load passes its parameter on to a third call: one step is followed, and a.fetch is reached from b.
    assert ("org/from-b", "b.py", 6) in refs


def test_a_module_of_thousands_of_imports_is_still_followed(tmp_path: Path) -> None:
    imports = "".join(f"from pkg.m{i} import f{i}\n" for i in range(20_000))
    write(tmp_path, {"pkg/__init__.py": "", "pkg/models.py": LOADERS,
                     "gen.py": imports + 'from pkg.models import load\nload("org/generated")\n'})
    refs, _ = found(tmp_path)
    # Past the import statements the gate reads, the module is parsed whole: nothing is missed.
    assert refs == {("org/generated", "gen.py", 20_002)}


@pytest.mark.skipif(os.name == "nt", reason="symbolic links")
def test_a_callee_linked_from_outside_the_tree_is_never_read(tmp_path: Path) -> None:
    outside, tree = tmp_path / "outside", tmp_path / "tree"
    write(outside, {"loaders.py": LOADERS})
    write(tree, {"main.py": 'from loaders import load\nload("org/outside")\n'})
    (tree / "loaders.py").symlink_to(outside / "loaders.py")
    discovery = scan([tree / "main.py"], root=tree)
    assert [r.repo_id for r in discovery.references] == []


@pytest.mark.parametrize("caller", ["aa/main.py", "zz/main.py"])
def test_a_guarded_reexport_is_followed_whichever_module_is_scanned_first(tmp_path: Path, caller: str) -> None:
    write(tmp_path, {
        # A word some rule looks for, so that the package is scanned itself, before or after its caller.
        "pkg/__init__.py": "# loads with from_pretrained\ntry:\n    from .models import load\n"
                           "except ImportError:\n    load = None\n",
        "pkg/models.py": LOADERS,
        caller: 'from pkg import load\nload("org/guarded")\n',
    })
    assert found(tmp_path)[0] == {("org/guarded", caller, 2)}


@pytest.mark.parametrize("order", ["caller first", "callee first"])
def test_a_module_scanned_ahead_of_its_turn_reports_as_its_own_file(tmp_path: Path, order: str) -> None:
    # The caller needs the callee's loads before the callee's turn: the callee's scan is made
    # then, once, and what it found (its references, its problems, the catalogue answers it used)
    # is its own file's, as it is when the callee comes first.
    write(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/models.py": LOADERS + 'import os\nSMALL = os.getenv("SMALL_MODEL", "gpt2")\n'
                                   'def free(path):\n    return AutoModelForCausalLM.from_pretrained(path)\n',
        "main.py": 'from pkg.models import load\nload("org/direct")\n',
    })
    callee, caller = tmp_path / "pkg" / "models.py", tmp_path / "main.py"
    paths = [caller, callee] if order == "caller first" else [callee, caller]
    scans = {s.file: s for s in scan_files(paths, IdCheck({"gpt2"}.__contains__), root=tmp_path)}
    assert {(r.repo_id, r.line) for r in scans["main.py"].references} == {("org/direct", 2)}
    assert {r.repo_id for r in scans["pkg/models.py"].references} == {"gpt2"}
    # Its loads of a parameter, each unresolved in the file's own scan (the calls settle them later).
    assert [(p.code, p.file) for p in scans["pkg/models.py"].problems] == [("unresolved-reference", "pkg/models.py")] * 4
    assert scans["main.py"].problems == []
    assert scans["pkg/models.py"].answers == {"gpt2": True}
    # load()'s unresolved-references are settled by the call; Runner's and free()'s, never called, are not.
    lines = (tmp_path / "pkg" / "models.py").read_text().splitlines()
    assert [p.line for p in scan(paths, root=tmp_path, known_ids={"gpt2"}.__contains__).problems] == [
        i + 1 for i, line in enumerate(lines) if "from_pretrained(model_name)" in line or "from_pretrained(path)" in line]


def test_a_parameter_passed_down_many_paths_is_followed_once_per_name(tmp_path: Path, monkeypatch) -> None:
    # Twelve functions, each calling the one before it three times with its own parameter, which
    # is never a string: 3**11 paths to follow back from the loader. Each was followed (h2o LLM
    # Studio's web handlers pass their `q` so: 25 s for one tree); each name is now resolved once
    # per question asked, and a string passed down is still found.
    lines = ["from transformers import AutoModel", "", "def f0(q):", "    return AutoModel.from_pretrained(q)", ""]
    lines += [f"def f{i}(q):  # from_pretrained\n" + f"    f{i - 1}(q)\n" * 3 for i in range(1, 12)]
    lines += ["f11(make_app())", "", "def g(q):  # from_pretrained", '    f3("org/deep")', "    f3(q)"]
    write(tmp_path, {"chain.py": "\n".join(lines) + "\n"})
    refs, _, calls = found_counting_steps(tmp_path, monkeypatch)
    assert refs == {("org/deep", "chain.py", 4)}
    assert calls < 5_000  # the data flow's steps: 3**11 paths before, a few per name now


def test_an_attribute_set_from_itself_on_many_lines_is_followed_once(tmp_path: Path, monkeypatch) -> None:
    # optimum-intel: `a.model = b.model` on many lines makes every binding of `.model` lead to all
    # of them again; followed path by path, the check did not end.
    lines = ["from transformers import AutoModel", "", "def load(a, b):", "    return AutoModel.from_pretrained(a.model)", ""]
    lines += [f"def copy{i}(a, b):  # from_pretrained\n    a.model = b.model\n" for i in range(12)]
    lines += ["DEFAULTS.model = make_model()"]
    write(tmp_path, {"attrs.py": "\n".join(lines) + "\n"})
    refs, unresolved, calls = found_counting_steps(tmp_path, monkeypatch)
    assert (refs, unresolved) == (set(), {("attrs.py", 4)})  # what the load gets is unseen, and said
    assert calls < 5_000  # 12 bindings each leading to the 12 again, to the depth bound, before
