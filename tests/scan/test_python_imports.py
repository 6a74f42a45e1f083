"""A loader's argument imported from another module of the scanned tree is followed there."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from catalog.scan.discovery import scan
from catalog.scan.python_imports import MAX_IMPORT_DEPTH


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def found(root: Path, *paths: Path) -> tuple[set[tuple[str, str, int]], set[tuple[str, int]]]:
    discovery = scan(list(paths or [root]), root=root)
    return ({(r.repo_id, r.file, r.line) for r in discovery.references},
            {(p.file, p.line) for p in discovery.problems if p.code == "unresolved-reference"})


APP = {
    "app/__init__.py": "",
    "app/core/__init__.py": "",
    "app/core/config.py": '''import os
EMBED = "org/embed"
BASE = os.getenv("BASE_MODEL", "org/base")
DEFAULT = "gpt2"
ASSISTANT = "org/assistant"
''',
    "app/main.py": '''from sentence_transformers import SentenceTransformer
from transformers import AutoModel, AutoTokenizer
from .core.config import EMBED, BASE as BASE_ID
from .core import config
from app.core.config import DEFAULT
import app.core.config as cfg
from vendor_library import SECRET

emb = SentenceTransformer(EMBED)
model = AutoModel.from_pretrained(BASE_ID)
tok = AutoTokenizer.from_pretrained(DEFAULT)
assistant = AutoModel.from_pretrained(config.ASSISTANT)
again = AutoModel.from_pretrained(cfg.EMBED)
unseen = AutoModel.from_pretrained(SECRET)
''',
    "scripts/evaluate.py": '''from app.core.config import ASSISTANT
from transformers import pipeline
pipe = pipeline("text-generation", model=ASSISTANT)
''',
}


def test_imported_constants_are_reported_where_written(tmp_path: Path) -> None:
    write(tmp_path, APP)
    refs, unresolved = found(tmp_path)
    # Each id once, at its literal in config.py, whichever module loads it and however it is
    # imported (from-import, an alias, a submodule, `import ... as`, from a script folder); a
    # bare legacy name counts because a loader receives it. The library's name stays unseen.
    assert refs == {("org/embed", "app/core/config.py", 2), ("org/base", "app/core/config.py", 3),
                    ("gpt2", "app/core/config.py", 4), ("org/assistant", "app/core/config.py", 5)}
    assert unresolved == {("app/main.py", 14)}


def test_only_the_importing_file_named_still_reads_its_module(tmp_path: Path) -> None:
    write(tmp_path, APP)
    refs, _ = found(tmp_path, tmp_path / "scripts" / "evaluate.py")
    assert refs == {("org/assistant", "app/core/config.py", 5)}


def test_a_re_export_is_followed_and_a_cycle_ends(tmp_path: Path) -> None:
    write(tmp_path, {
        "pkg/__init__.py": "from .defaults import MODEL\n",
        "pkg/defaults.py": 'MODEL = "org/deep"\n',
        "a.py": "from b import NAME\nNAME2 = NAME\n",
        "b.py": "from a import NAME2 as NAME\n",
        "use.py": '''from pkg import MODEL
from a import NAME2
from transformers import AutoModel
AutoModel.from_pretrained(MODEL)
AutoModel.from_pretrained(NAME2)
''',
    })
    refs, unresolved = found(tmp_path)
    assert refs == {("org/deep", "pkg/defaults.py", 1)}
    assert unresolved == {("use.py", 5)}


def test_a_chain_deeper_than_the_bound_is_unresolved(tmp_path: Path) -> None:
    depth = MAX_IMPORT_DEPTH + 1
    files = {f"m{i}.py": f"from m{i + 1} import NAME\n" for i in range(depth)}
    files[f"m{depth}.py"] = 'NAME = "org/far"\n'
    files["use.py"] = "from m0 import NAME\nfrom transformers import AutoModel\nAutoModel.from_pretrained(NAME)\n"
    write(tmp_path, files)
    refs, unresolved = found(tmp_path)
    assert refs == set() and unresolved == {("use.py", 3)}


@pytest.mark.skipif(os.name == "nt", reason="symbolic links")
def test_modules_outside_the_scanned_folder_are_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    write(outside, {"secrets.py": 'NAME = "org/outside"\n', "pkg/config.py": 'NAME = "org/outside"\n'})
    tree = tmp_path / "tree"
    write(tree, {
        "app/use.py": '''from ...outside.pkg.config import NAME as RELATIVE
from linked import NAME as LINKED
from transformers import AutoModel
AutoModel.from_pretrained(RELATIVE)
AutoModel.from_pretrained(LINKED)
''',
    })
    (tree / "app" / "linked.py").symlink_to(outside / "secrets.py")
    refs, unresolved = found(tree)
    assert refs == set()
    assert unresolved == {("app/use.py", 4), ("app/use.py", 5)}


def test_a_module_that_does_not_parse_leaves_the_load_unresolved(tmp_path: Path) -> None:
    write(tmp_path, {"config.py": 'MODEL = "org/m"\ndef broken(:\n',
                     "use.py": "from config import MODEL\nfrom transformers import AutoModel\nAutoModel.from_pretrained(MODEL)\n"})
    refs, unresolved = found(tmp_path)
    assert unresolved == {("use.py", 3)}
    assert ("org/m", "use.py", 3) not in refs


def test_a_constant_loaded_pinned_in_one_module_and_unpinned_in_another_is_two_references(tmp_path: Path) -> None:
    # huggingface_hub's tests: the check stopped with a TypeError ordering the two.
    write(tmp_path, {
        "constants.py": 'DUMMY_MODEL_ID = "julien-c/dummy-unknown"\n',
        "test_a.py": "from huggingface_hub import hf_hub_download\nfrom constants import DUMMY_MODEL_ID\n"
                     'hf_hub_download(DUMMY_MODEL_ID, "config.json", revision="main")\n',
        "test_b.py": "from huggingface_hub import hf_hub_download\nfrom constants import DUMMY_MODEL_ID\n"
                     'hf_hub_download(DUMMY_MODEL_ID, "config.json")\n',
    })
    discovery = scan([tmp_path], root=tmp_path)
    assert [(r.repo_id, r.file, r.line, r.revision) for r in discovery.references] == [
        ("julien-c/dummy-unknown", "constants.py", 1, None), ("julien-c/dummy-unknown", "constants.py", 1, "main")]
