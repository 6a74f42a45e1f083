"""Discovery: which Hugging Face models does a codebase use, and where."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from catalog.scan.discovery import (
    DiscoveryError,
    Reference,
    discover,
    looks_like_repo_id,
    references_added_since,
    scan,
)

FIXTURE = Path(__file__).parents[1] / "fixtures" / "discovery"

LLAMA, LLAMA_REV = "meta-llama/Llama-3.1-8B-Instruct", "0e9e39f249a16976918f6564b8830bc894c89659"
MISTRAL, MISTRAL_REV = "mistralai/Mistral-7B-Instruct-v0.3", "e0bc86c23ce5aae1db576c8cca6f06f1f73af2db"
WHISPER, WHISPER_REV = "openai/whisper-large-v3", "06f233fe06e710322aca913c1bc4249a0d71fce1"
GEMMA, GEMMA_REV = "google/gemma-2-9b-it", "11c9b309abf73637e4b6f9a3fa1e92e615547819"
QWEN, QWEN_REV = "Qwen/Qwen2.5-7B-Instruct", "a09a35458c702b33eeacc393d103063234e8bc28"
BGE = "BAAI/bge-small-en-v1.5"
MINILM = "sentence-transformers/all-MiniLM-L6-v2"

# (repo_id, file, line, kind, revision), written by reading the fixture tree.
EXPECTED = {
    # app/train.py: constants, a literal with a pin, a PEFT adapter, a dataclass default, a keyword
    ("mistralai/Mistral-7B-v0.3", "app/train.py", 18, "python-constant", None),
    (LLAMA, "app/train.py", 23, "python-constant", LLAMA_REV),
    (LLAMA, "app/train.py", 24, "python-constant", None),
    (LLAMA, "app/train.py", 26, "python-call", LLAMA_REV),
    ("timdettmers/guanaco-7b", "app/train.py", 31, "python-call", None),
    ("OpenAssistant/reward-model-deberta-v3-large-v2", "app/train.py", 37, "python-constant", None),
    ("gpt2", "app/train.py", 41, "python-call", None),
    # app/serve.py: pipeline forms, env default, parameter default, vLLM, InferenceClient
    ("Qwen/Qwen2.5-7B-Instruct", "app/serve.py", 9, "python-call", None),
    ("distilbert/distilbert-base-uncased-finetuned-sst-2-english", "app/serve.py", 14, "python-call", None),
    (WHISPER, "app/serve.py", 20, "python-call", WHISPER_REV),
    ("facebook/bart-large-cnn", "app/serve.py", 26, "python-constant", None),
    ("meta-llama/Llama-3.2-1B-Instruct", "app/serve.py", 34, "python-call", None),
    ("HuggingFaceH4/zephyr-7b-beta", "app/serve.py", 38, "python-call", None),
    # app/embed.py: sentence-transformers shorthand, cross-encoder, hub downloads (not the dataset)
    (MINILM, "app/embed.py", 9, "python-constant", None),
    ("cross-encoder/ms-marco-MiniLM-L-6-v2", "app/embed.py", 10, "python-call", None),
    (BGE, "app/embed.py", 15, "python-call", "main"),
    ("TheBloke/Mistral-7B-Instruct-v0.2-GGUF", "app/embed.py", 16, "python-call", None),
    ("intfloat/e5-large-v2", "app/embed.py", 18, "python-call", None),
    ("Systran/faster-whisper-large-v3", "app/embed.py", 19, "python-call", None),
    ("bartowski/Llama-3.2-3B-Instruct-GGUF", "app/embed.py", 26, "python-call", None),
    # app/diffusion.py
    ("stabilityai/stable-diffusion-xl-base-1.0", "app/diffusion.py", 9, "python-constant", None),
    ("stabilityai/stable-diffusion-xl-refiner-1.0", "app/diffusion.py", 14, "python-constant", None),
    # configs
    (LLAMA, "configs/train.yaml", 4, "config", LLAMA_REV),
    ("Qwen/Qwen2.5-72B-Instruct", "configs/train.yaml", 7, "config", None),
    ("OpenAssistant/reward-model-deberta-v3-large-v2", "configs/train.yaml", 8, "config", None),
    ("gpt2", "configs/train.yaml", 13, "config", None),
    (MISTRAL, "configs/eval.json", 4, "config", MISTRAL_REV),
    ("microsoft/Phi-3-mini-4k-instruct", "configs/eval.json", 5, "config", None),
    ("meta-llama/Llama-3.1-70B-Instruct", "configs/eval.json", 8, "config", None),
    (QWEN, "configs/serve.toml", 6, "config", QWEN_REV),
    (BGE, "configs/serve.toml", 10, "config", None),
    ("google/gemma-2-2b-it", "configs/private-shared.yaml", 2, "config", None),
    # commands
    (GEMMA, ".github/workflows/nightly.yml", 9, "config", None),
    (GEMMA, ".github/workflows/nightly.yml", 15, "shell", GEMMA_REV),
    (GEMMA, ".github/workflows/nightly.yml", 17, "shell", None),
    (MISTRAL, "docker/Dockerfile", 3, "dockerfile", None),
    (MISTRAL, "docker/Dockerfile", 8, "dockerfile", MISTRAL_REV),
    ("BAAI/bge-reranker-base", "docker/Dockerfile", 10, "dockerfile", None),
    (MISTRAL, "docker/Dockerfile", 11, "dockerfile", None),
    (LLAMA, "scripts/fetch_models.sh", 5, "shell", None),
    (BGE, "scripts/fetch_models.sh", 6, "shell", None),
    (WHISPER, "scripts/fetch_models.sh", 11, "shell", WHISPER_REV),
    (QWEN, "scripts/fetch_models.sh", 12, "shell", None),
    ("deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", "scripts/fetch_models.sh", 13, "shell", None),
    ("gpt2", "scripts/fetch_models.sh", 14, "shell", None),  # lm_eval --model_args pretrained=gpt2
    ("tiiuae/falcon-7b-instruct", "Makefile", 1, "shell", None),
    ("google-t5/t5-small", "Makefile", 9, "shell", None),
    # manifests
    (LLAMA, "models.txt", 2, "manifest", LLAMA_REV),
    (MINILM, "models.txt", 3, "manifest", None),
    ("gpt2", "models.txt", 5, "manifest", None),
    (MISTRAL, "catalog.toml", 6, "manifest", MISTRAL_REV),
    (BGE, "catalog.toml", 10, "manifest", None),
}

# Files git would not show (or tool folders), each naming a model that must never be reported.
HIDDEN = {
    ".venv/lib/python3.11/site-packages/acme/loader.py": 'AutoModel.from_pretrained("acme/venv-model")\n',
    "node_modules/widget/config.json": '{"model": "acme/node-model"}\n',
    "app/__pycache__/notes.py": 'pipeline(model="acme/pycache-model")\n',
    "scratch/try.py": 'AutoModel.from_pretrained("acme/scratch-model")\n',
    "app/quick.local.py": 'pipeline(model="acme/local-model")\n',
    "configs/private.yaml": "model: acme/private-model\n",
}


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Ignored files cannot live in the committed fixture (git would ignore them too): add them here.
    root = tmp_path_factory.mktemp("scan") / "repo"
    shutil.copytree(FIXTURE, root)
    for name, content in HIDDEN.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(content)
    return root


def summary(refs: list[Reference]) -> set[tuple[str, str, int, str, str | None]]:
    return {(r.repo_id, r.file, r.line, r.kind, r.revision) for r in refs}


def test_finds_exactly_the_models_the_fixture_repo_uses(tree: Path) -> None:
    refs = discover([tree])
    assert summary(refs) == EXPECTED
    assert refs == sorted(refs) and len(refs) == len(set(refs))


def test_ignored_files_and_tool_folders_are_not_scanned(tree: Path) -> None:
    found = discover([tree])
    assert not {r.file for r in found} & set(HIDDEN)
    assert not [r for r in found if r.repo_id.startswith("acme/")]


def test_lookalike_strings_outside_model_positions_are_not_models(tree: Path) -> None:
    found = discover([tree])
    assert not [r for r in found if r.file == "app/not_models.py"]
    assert not {"data/train", "2024/01", "text/plain", "huggingface/transformers", "linear", "hf"} & {
        r.repo_id for r in found
    }


def test_positions_and_context_point_at_the_use(tree: Path) -> None:
    by_place = {(r.file, r.line): r for r in discover([tree])}
    config = by_place[("app/train.py", 23)]
    assert (config.column, config.context) == (41, "AutoConfig.from_pretrained via BASE_MODEL")
    # Editing the constant or the pin alone must still count as touching this reference.
    assert config.related_lines == (12, 13)
    assert by_place[("app/serve.py", 14)].context == "pipeline(model=)"
    assert by_place[("configs/train.yaml", 4)].column == 23
    assert by_place[("docker/Dockerfile", 11)].context == "--model-id"


def test_a_catalogue_adds_only_the_ids_it_knows_in_model_positions(tree: Path) -> None:
    # This catalogue also knows ids that sit in a docstring, a comment, a dataset download and a
    # routing table nothing in the tree loads from: those are not uses, whatever the catalogue says.
    known = {
        "acme/sentiment-v2",
        "acme/intent-classifier",
        "acme/not-a-model",
        "acme/commented-out",
        "acme/support-tickets",
        "acme/docstring-model",
        "distilgpt2",
    }
    asked: list[str] = []

    def known_ids(repo_id: str) -> bool:
        asked.append(repo_id)
        return repo_id in known

    found = summary(discover([tree], known_ids=known_ids))
    assert found - EXPECTED == {
        # a bare name under the generic "model" key counts once the catalogue vouches for it
        ("distilgpt2", "configs/serve.toml", 14, "config", None),
    }
    # Ids the catalogue lacks are still reported from model positions (the check flags them).
    assert EXPECTED <= found
    assert len(asked) == len(set(asked)), "each id is looked up once"


@pytest.mark.parametrize(
    "value",
    ["gpt2", "org/name", "meta-llama/Llama-3.1-8B-Instruct", "openai/whisper-tiny.en", "a_b/c_", "x" * 96],
)
def test_repo_id_shapes_accepted(value: str) -> None:
    assert looks_like_repo_id(value)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "./local",
        "/models/x",
        "../up",
        "~/models/x",
        "a/b/c",
        "https://hf.co/gpt2",
        "org/config.json",
        "org/model.safetensors",
        "org/name.git",
        "org--name",
        "org/na..me",
        "-org/name",
        "org/name-",
        "org/name.",
        "x" * 97,
        "org/ name",
        "org/näme",
        "C:\\models",
    ],
)
def test_repo_id_shapes_rejected(value: str) -> None:
    assert not looks_like_repo_id(value)


def test_paths_are_relative_to_the_root_or_to_the_argument(tree: Path) -> None:
    single = discover([tree / "app" / "diffusion.py"])
    assert {r.file for r in single} == {"diffusion.py"}
    under_root = discover([tree / "app" / "diffusion.py", tree / "configs"], root=tree)
    assert {r.file for r in under_root} == {
        "app/diffusion.py",
        "configs/train.yaml",
        "configs/eval.json",
        "configs/serve.toml",
        "configs/private-shared.yaml",
    }


def test_missing_path_or_path_outside_root_is_an_error(tree: Path, tmp_path: Path) -> None:
    with pytest.raises(DiscoveryError, match="nowhere"):
        discover([tree / "nowhere"])
    with pytest.raises(DiscoveryError, match="outside"):
        discover([tmp_path], root=tree)


def test_unparsable_python_is_read_line_by_line_and_reported(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text('AutoModel.from_pretrained("org/broken"\n')
    # "\m" is an invalid escape: compiling it warns, and this suite turns warnings into errors.
    (tmp_path / "windows.py").write_text('DIR = "C:\\models"\nAutoModel.from_pretrained("org/fine")\n')
    found = scan([tmp_path])
    assert summary(found.references) == {("org/fine", "windows.py", 2, "python-call", None),
                                         ("org/broken", "broken.py", 1, "python-call", None)}
    assert [(p.code, p.file) for p in found.problems] == [("scan-incomplete", "broken.py")]
    assert "does not parse as Python" in found.problems[0].detail


def test_scanning_a_subfolder_obeys_the_repository_gitignore(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text("generated/\n")
    (tmp_path / "src" / "generated").mkdir(parents=True)
    (tmp_path / "src" / "generated" / "stub.py").write_text('pipeline(model="org/generated")\n')
    (tmp_path / "src" / "app.py").write_text('pipeline(model="org/app")\n')
    assert {r.repo_id for r in discover([tmp_path / "src"])} == {"org/app"}


def test_a_gitignore_with_patterns_a_matcher_refuses_is_honoured_line_by_line(tmp_path: Path) -> None:
    # "[z-a]" no matcher compiles (git never matches it), "[[:alpha:]]" RE2 refuses and Python's
    # re takes: the check stopped with an internal error on either; now the other lines still hold.
    (tmp_path / ".gitignore").write_text("[z-a]\n[[:alpha:]]\nbuild/\n*.log.py\n")
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "gen.py").write_text('pipeline(model="org/built")\n')
    (tmp_path / "run.log.py").write_text('pipeline(model="org/logged")\n')
    (tmp_path / "app.py").write_text('pipeline(model="org/app")\n')
    assert {r.repo_id for r in discover([tmp_path])} == {"org/app"}


@pytest.mark.parametrize("pattern", ["[z-a]", "src/\\"])
def test_an_exclude_pattern_no_matcher_compiles_is_a_one_line_error_naming_it(tmp_path: Path, pattern: str) -> None:
    (tmp_path / "app.py").write_text('pipeline(model="org/app")\n')
    with pytest.raises(DiscoveryError, match=r"^bad exclude pattern '" + re.escape(pattern.replace("\\", "\\\\"))):
        scan([tmp_path], exclude=[pattern])
    # One RE2 refuses is compiled by Python's re instead.
    assert [r.repo_id for r in scan([tmp_path], exclude=["[[:alpha:]]"]).references] == ["org/app"]


def test_a_file_the_repository_tracks_is_read_though_a_gitignore_pattern_matches_it(tmp_path: Path) -> None:
    # infiniflow/ragflow commits docker/.env (its TEI model) while .gitignore says ".env": git
    # applies the patterns to untracked files only, and so does discovery.
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text(".env\nmodels/\n")
    (tmp_path / "docker").mkdir()
    (tmp_path / "docker" / ".env").write_text("TEI_MODEL=${TEI_MODEL:-org/tracked-env}\n")
    (tmp_path / "models" / "cfg").mkdir(parents=True)
    (tmp_path / "models" / "cfg" / "serve.yaml").write_text("model: org/forced\n")
    (tmp_path / "models" / "cfg" / "scratch.yaml").write_text("model: org/untracked\n")
    (tmp_path / ".env").write_text("MODEL_ID=org/untracked-env\n")
    _git(tmp_path, "add", ".gitignore")
    _git(tmp_path, "add", "-f", "docker/.env", "models/cfg/serve.yaml")
    assert {r.repo_id for r in discover([tmp_path])} == {"org/tracked-env", "org/forced"}
    assert {r.repo_id for r in discover([tmp_path / "models"])} == {"org/forced"}


def test_models_txt_errors_name_the_line(tmp_path: Path) -> None:
    (tmp_path / "models.txt").write_text("# approved\norg/ok\nnot a model\n")
    with pytest.raises(DiscoveryError, match=r"models\.txt:3:"):
        discover([tmp_path])
    (tmp_path / "models.txt").write_text("org/ok\norg/pinned@\n")
    with pytest.raises(DiscoveryError, match=r"models\.txt:2:.*revision"):
        discover([tmp_path])


def test_catalog_toml_string_list_and_its_errors(tmp_path: Path) -> None:
    manifest = tmp_path / "catalog.toml"
    manifest.write_text('models = [\n  "org/a@v1.0",\n  "gpt2",\n]\n')
    assert summary(discover([tmp_path])) == {
        ("org/a", "catalog.toml", 2, "manifest", "v1.0"),
        ("gpt2", "catalog.toml", 3, "manifest", None),
    }
    manifest.write_text('models = [\n  "org/a",\n  "./local/model",\n]\n')
    with pytest.raises(DiscoveryError, match=r"catalog\.toml:3: '\./local/model'"):
        discover([tmp_path])
    manifest.write_text('[[models]]\nid = "org/a"\n\n[[models]]\nrevision = "v1"\n')
    with pytest.raises(DiscoveryError, match=r"catalog\.toml:4: .*'id'"):
        discover([tmp_path])
    manifest.write_text('[[models]]\nid = "org/a"\nrevision = \n')
    with pytest.raises(DiscoveryError, match=r"catalog\.toml:3: invalid TOML"):
        discover([tmp_path])


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


def test_diff_keeps_only_references_added_since_the_base(tmp_path: Path) -> None:
    _git(tmp_path, "init", "-q")
    app = tmp_path / "app.py"
    app.write_text(
        'MODEL = "org/old-constant"\n'
        'AutoModel.from_pretrained("org/kept")\n'
        "AutoTokenizer.from_pretrained(MODEL)\n"
    )
    _git(tmp_path, "add", "app.py")
    _git(tmp_path, "commit", "-q", "-m", "base")
    app.write_text(
        'MODEL = "org/new-constant"\n'  # changed: the use on line 4 now loads another model
        'AutoModel.from_pretrained("org/kept")\n'
        'pipeline(model="org/added")\n'
        "AutoTokenizer.from_pretrained(MODEL)\n"
    )
    (tmp_path / "models.txt").write_text("org/untracked\n")

    refs = discover([tmp_path], root=tmp_path)
    added = references_added_since("HEAD", refs, repo_dir=tmp_path)

    assert summary(added) == {
        ("org/new-constant", "app.py", 4, "python-constant", None),
        ("org/added", "app.py", 3, "python-call", None),
        ("org/untracked", "models.txt", 1, "manifest", None),
    }


def test_diff_compares_with_where_the_branch_left_the_base(tmp_path: Path) -> None:
    _git(tmp_path, "init", "-q", "-b", "main")
    app = tmp_path / "app.py"
    app.write_text('AutoModel.from_pretrained("org/legacy")\n')
    _git(tmp_path, "add", "app.py")
    _git(tmp_path, "commit", "-q", "-m", "base")
    _git(tmp_path, "checkout", "-q", "-b", "feature")
    (tmp_path / "serve.py").write_text('pipeline(model="org/feature-model")\n')
    _git(tmp_path, "add", "serve.py")
    _git(tmp_path, "commit", "-q", "-m", "feature")
    _git(tmp_path, "checkout", "-q", "main")
    app.write_text("print('org/legacy retired')\n")  # main moves on after the fork
    _git(tmp_path, "commit", "-q", "-am", "retire legacy")
    _git(tmp_path, "checkout", "-q", "feature")

    refs = discover([tmp_path], root=tmp_path)
    added = references_added_since("main", refs, repo_dir=tmp_path)
    # app.py differs from main's, but the feature branch did not add org/legacy.
    assert summary(added) == {("org/feature-model", "serve.py", 1, "python-call", None)}


def test_diff_against_an_unknown_ref_names_it(tmp_path: Path) -> None:
    _git(tmp_path, "init", "-q")
    with pytest.raises(DiscoveryError, match="no-such-branch"):
        references_added_since("no-such-branch", [], repo_dir=tmp_path)
    with pytest.raises(DiscoveryError, match="origin/main"):
        references_added_since("origin/main", [], repo_dir=tmp_path / "missing")


def _notebook(cells: list[tuple[str, list[str], list[str]]]) -> str:
    """An .ipynb as Jupyter writes it (indent 1, keys sorted): (cell type, source lines, output lines)."""
    return json.dumps({
        "cells": [
            {"cell_type": kind, "metadata": {}, "source": [line + "\n" for line in source[:-1]] + source[-1:],
             **({"execution_count": 1, "outputs": [{"name": "stdout", "output_type": "stream", "text": outputs}]}
                if kind == "code" else {})}
            for kind, source, outputs in cells
        ],
        "metadata": {"kernelspec": {"name": "python3"}}, "nbformat": 4, "nbformat_minor": 5,
    }, indent=1, sort_keys=True, ensure_ascii=False)


def test_notebooks_are_read_cell_by_cell_and_point_at_their_file_lines(tmp_path: Path) -> None:
    text = _notebook([
        ("markdown", ['Load it with `AutoModel.from_pretrained("docs/not-code")`'], []),
        ("code", ["%pip install transformers", 'BASE = "acme/base-7b"'], []),
        # The output repeats the source line before it in the file: the location must not land there.
        ("code", ["model = AutoModel.from_pretrained(BASE)", "print(model)"],
         ["model = AutoModel.from_pretrained(BASE)\n"]),
        ("code", ["!huggingface-cli download acme/weights --revision v1"], []),
        ("code", ["%%bash", "vllm serve acme/served"], []),
    ])
    (tmp_path / "explore.ipynb").write_text(text)
    (tmp_path / ".ipynb_checkpoints").mkdir()  # Jupyter's autosaved copy is not a second use
    (tmp_path / ".ipynb_checkpoints" / "explore-checkpoint.ipynb").write_text(text)
    lines = text.splitlines()

    def line_of(source: str) -> int:
        encoded = json.dumps(source, ensure_ascii=False)
        found = [i for i, line in enumerate(lines, 1) if line.strip().startswith(encoded)]
        return found[-1]  # the source line, which Jupyter writes after the cell's outputs

    found = discover([tmp_path])
    assert {r.file for r in found} == {"explore.ipynb"}
    refs = {(r.repo_id, r.line, r.kind, r.revision, r.context.split(",")[0]) for r in found}
    assert refs == {
        ("acme/base-7b", line_of("model = AutoModel.from_pretrained(BASE)\n"), "python-constant", None, "cell 3"),
        ("acme/weights", line_of("!huggingface-cli download acme/weights --revision v1"), "shell", "v1", "cell 4"),
        ("acme/served", line_of("vllm serve acme/served"), "shell", None, "cell 5"),
    }


def test_a_cell_writing_a_file_is_read_as_that_file(tmp_path: Path) -> None:
    # autotrain's and axolotl's notebooks write their training config with %%writefile: YAML, not
    # Python (it was read line by line, with a scan-incomplete entry); a script is a script.
    text = _notebook([
        ("code", ["%%writefile config.yml", "task: llm-sft", "base_model: acme/base-7b",
                  "project_name: my-run  # not a model"], []),
        ("code", ["%%writefile -a run.sh", "vllm serve acme/served"], []),
        ("code", ["%%writefile notes.txt", "AutoModel.from_pretrained('acme/in-notes')"], []),
        ("code", ["%%writefile train.py", "from transformers import AutoModel",
                  "AutoModel.from_pretrained('acme/in-script')"], []),
    ])
    (tmp_path / "colab.ipynb").write_text(text)
    lines = text.splitlines()

    def line_of(source: str) -> int:
        return next(i for i, line in enumerate(lines, 1) if line.strip().startswith(json.dumps(source)))

    found = scan([tmp_path])
    assert {(r.repo_id, r.line, r.context.split(",")[0]) for r in found.references} == {
        ("acme/base-7b", line_of("base_model: acme/base-7b\n"), "cell 1"),
        ("acme/served", line_of("vllm serve acme/served"), "cell 2"),
        ("acme/in-script", line_of("AutoModel.from_pretrained('acme/in-script')"), "cell 4"),
    }
    assert "%%writefile config.yml" in next(r.context for r in found.references if r.repo_id == "acme/base-7b")
    assert found.problems == []  # a text file's content is no code: not read, as the tree's .txt files are not


def test_colab_form_lines_above_a_cell_magic_and_other_languages_cells(tmp_path: Path) -> None:
    # txtai's notebooks: `#@title` above `%%writefile src/main.rs` (Rust was parsed as Python, a
    # scan-incomplete a cell), a `%%sql` cell; the cell magic still decides what the body is, and a
    # script the cell writes is read as the tree's scripts are (JavaScript yes, Rust not).
    text = _notebook([
        ("code", ["#@title Write the config", "%%writefile config.yml", "base_model: acme/embedder"], []),
        ("code", ["#@title", "%%writefile src/main.rs", "use tokenizers::tokenizer::Tokenizer;",
                  'let t = Tokenizer::from_pretrained("acme/in-rust", None);'], []),
        ("code", ["%%sql", "SELECT * FROM models WHERE id = 'acme/in-sql';"], []),
        ("code", ["#@title", "%%writefile index.js", "import { AutoTokenizer } from '@huggingface/transformers';",
                  "const t = await AutoTokenizer.from_pretrained('acme/in-js');"], []),
        ("code", ["#@title Serve", "%%bash", "vllm serve acme/served"], []),
        ("code", ["#@title Load", "AutoModel.from_pretrained('acme/loaded')"], []),
        # A continued expression's line may start with `!=` or `% x` (LLMLingua's CoT notebook).
        ("code", ["ok = (AutoModel.from_pretrained('acme/continued')", "      != None)",
                  'label = ("%s"', "         % ok)"], []),
        # A magic continued over lines (gemma-cookbook's `%pip install -U a \` then `b`).
        ("code", ["%pip install -U transformers \\", "    accelerate"], []),
        # IPython takes the first line's indentation off the cell (coqui-ai/TTS's tutorial).
        ("code", [" !huggingface-cli download acme/indented \\", "      --local-dir w"], []),
    ])
    (tmp_path / "colab.ipynb").write_text(text)
    lines = text.splitlines()

    def line_of(source: str) -> int:
        return next(i for i, line in enumerate(lines, 1) if line.strip().startswith(json.dumps(source)))

    found = scan([tmp_path])
    assert {(r.repo_id, r.line) for r in found.references} == {
        ("acme/embedder", line_of("base_model: acme/embedder")), ("acme/served", line_of("vllm serve acme/served")),
        ("acme/loaded", line_of("AutoModel.from_pretrained('acme/loaded')")),
        ("acme/in-js", line_of("const t = await AutoTokenizer.from_pretrained('acme/in-js');")),
        ("acme/indented", line_of(" !huggingface-cli download acme/indented \\\n")),
        ("acme/continued", line_of("ok = (AutoModel.from_pretrained('acme/continued')\n")),
    }
    assert found.problems == []


def test_a_broken_notebook_is_read_line_by_line_and_reported(tmp_path: Path) -> None:
    (tmp_path / "half.ipynb").write_text('{"cells": [{"cell_type": "code", "source": ["AutoModel.from_pretrained(')
    (tmp_path / "odd.ipynb").write_text('{"cells": [{"cell_type": "code", "source": 7}, "x"]}')
    found = scan([tmp_path])
    assert found.references == []
    assert {(p.code, p.file, p.detail.split(":")[0]) for p in found.problems} == {
        ("scan-incomplete", "half.ipynb", "notebook not valid JSON (Unterminated string starting at"),
        ("scan-incomplete", "odd.ipynb", "cell 1 has no readable source"),
        ("scan-incomplete", "odd.ipynb", "cell 2 is not a cell object"),
    }


def test_exclude_patterns_skip_files_and_folders_as_gitignore_would(tmp_path: Path) -> None:
    write_py = 'AutoModel.from_pretrained("{}")\n'.format
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "main.py").write_text(write_py("org/shipped"))
    (tmp_path / "app" / "scratch_test.py").write_text(write_py("org/scratch"))
    (tmp_path / "tests" / "fixtures").mkdir(parents=True)
    (tmp_path / "tests" / "fixtures" / "sample.py").write_text(write_py("org/fixture"))
    (tmp_path / "tests" / "test_app.py").write_text(write_py("org/tested"))

    def ids(*paths: Path, exclude: tuple[str, ...]) -> set[str]:
        return {r.repo_id for r in discover(list(paths), root=tmp_path, exclude=exclude)}

    assert ids(tmp_path, exclude=()) == {"org/shipped", "org/scratch", "org/fixture", "org/tested"}
    assert ids(tmp_path, exclude=("tests/fixtures/", "*_test.py")) == {"org/shipped", "org/tested"}
    assert ids(tmp_path, exclude=("tests/", "!tests/test_app.py")) == {"org/shipped", "org/scratch"}
    # A file named on the command line is read whatever the patterns say.
    assert ids(tmp_path / "tests" / "fixtures" / "sample.py", exclude=("tests/",)) == {"org/fixture"}


def test_scripts_are_known_by_their_first_line_and_job_scripts_by_their_suffix(tmp_path: Path) -> None:
    # Seen in huggingface/open-r1: `slurm/serve_r1.slurm` serves MODEL_PATH="deepseek-ai/DeepSeek-R1";
    # scripts under bin/ often have no suffix at all. Both were walked past.
    (tmp_path / "serve_r1.slurm").write_text('#!/bin/bash\n#SBATCH --nodes=2\nMODEL_PATH="org/served"\n'
                                             "python -m sglang.launch_server --model-path $MODEL_PATH\n")
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "train").write_text('#!/usr/bin/env python3\nAutoModel.from_pretrained("org/trained")\n')
    (tmp_path / "bin" / "fetch").write_text("#!/bin/sh\nhuggingface-cli download org/fetched\n")
    (tmp_path / "bin" / "notes").write_text('AutoModel.from_pretrained("org/not-a-script")\n')  # no shebang
    (tmp_path / "bin" / "fishy").write_text("#!/usr/bin/fish\nhuggingface-cli download org/fish\n")
    found = scan([tmp_path])
    assert {(r.repo_id, r.file, r.line) for r in found.references} == {
        ("org/served", "serve_r1.slurm", 3), ("org/trained", "bin/train", 2), ("org/fetched", "bin/fetch", 2)}
    assert found.problems == []


def test_a_named_file_discovery_does_not_read_is_reported_not_passed(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text('AutoModel.from_pretrained("org/in-prose")\n')
    found = scan([tmp_path / "README.md"])
    assert found.references == []
    assert [(p.code, p.file) for p in found.problems] == [("scan-incomplete", "README.md")]
    assert "not a kind of file discovery reads" in found.problems[0].detail
    assert scan([tmp_path]).problems == []  # walked past in a folder, as every README is


def test_container_specs_of_odd_shapes_are_read_without_a_problem(tmp_path: Path) -> None:
    # Before: a list where an environment entry stood was unpacked as a mapping and the file
    # ended as "internal error while scanning".
    (tmp_path / "odd.yaml").write_text(
        "env:\n  - [a, b]\n  - {name: MODEL_ID}\n  - {value: org/x}\n  - MODEL_NAME\n  - 42\n"
        "  - {name: [x], value: org/y}\n  - {name: HF_MODEL, value: [org/z]}\n"
        'command: {a: b}\nargs: [[nested], 3, null, "--model", "org/ok"]\n')
    found = scan([tmp_path])
    assert [(r.repo_id, r.line) for r in found.references] == [("org/ok", 10)]
    assert found.problems == []


_KEYS = ["env", "environment", "command", "args", "entrypoint", "name", "value", "model", "url", "model_id",
         "MODEL_ID", "litellm_params", "containers"]
_SCALARS = st.one_of(st.none(), st.integers(), st.booleans(),
                     st.sampled_from(["org/m", "--model", "hf://org/h", "MODEL_ID=org/e", "${M:-org/d}",
                                      "huggingface/org/p", "openai/gpt-4o", "vllm serve org/v", "-hf", "x y\nz"]))
_DOCUMENTS = st.recursive(_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(_KEYS), inner, max_size=4)), max_leaves=20)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(document=_DOCUMENTS)
@example(document={"env": [["a", "b"]], "args": [["--model"], "org/m"]})  # a list where an entry stood
def test_any_yaml_shape_is_read_without_an_internal_error(tmp_path: Path, document: object) -> None:
    import yaml

    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(document))
    found = scan([path])
    assert not [p for p in found.problems if "internal error" in p.detail], found.problems
    text = path.read_text().splitlines()
    for ref in found.references:  # each points at its id as written (or the quote before it)
        at = text[ref.line - 1][ref.column - 1:]
        assert at.startswith(ref.repo_id) or at[:1] in "'\"" and at[1:].startswith(ref.repo_id), (ref, text)


_WORDS = st.sampled_from(["vllm", "serve", "ollama", "run", "pull", "hf.co/org/o:Q4", "lmdeploy", "chat", "api_server",
                          "trtllm-serve", "llama-server", "-hf", "--hf-repo", "--model", "--model-path", "org/m",
                          "huggingface/org/p", "openai/gpt-4o", "${M:-org/d}", "MODEL=org/e", "|", "&&", ";", "\\",
                          "--revision", "main", "download", "hf", "huggingface-cli", "\"", "'", "=", ":", "-"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(st.lists(_WORDS, max_size=12), max_size=6))
def test_any_command_line_is_read_without_an_internal_error(tmp_path: Path, lines: list[list[str]]) -> None:
    path = tmp_path / "run.sh"
    path.write_text("\n".join(" ".join(words) for words in lines) + "\n")
    found = scan([path])
    assert not [p for p in found.problems if "internal error" in p.detail], found.problems
    text = path.read_text().splitlines()
    for ref in found.references:
        at = text[ref.line - 1][ref.column - 1:]
        assert at.startswith(ref.repo_id) or at[:1] in "'\"" and at[1:].startswith(ref.repo_id), (ref, text)


def test_a_litellm_alias_is_not_a_model_even_when_the_catalogue_knows_the_name(tmp_path: Path) -> None:
    # model_name is the alias a LiteLLM proxy's clients ask for; with the demo catalogue "llama"
    # resolved to a model of that name and failed the check.
    (tmp_path / "litellm_config.yaml").write_text(
        "model_list:\n  - model_name: llama\n    litellm_params:\n      model: huggingface/org/served\n"
        "settings:\n  model_name: llama\n")
    found = scan([tmp_path], known_ids=lambda repo_id: repo_id == "llama")
    assert sorted((r.repo_id, r.line) for r in found.references) == [("llama", 6), ("org/served", 4)]


def test_a_catalogue_match_is_a_call_given_the_id_or_a_model_named_variable(tmp_path: Path) -> None:
    (tmp_path / "test_serving.py").write_text('''import pytest
MAPPER = {"chat": ("acme/known-a", "acme/known-b")}
def test_generate(launcher):
    with launcher("acme/known-a") as server:
        embedding_model = "acme/known-b"
        start_engine(base_model="acme/known-c")
        assert server.model == "acme/known-a"
        assert "acme/known-b" in server.models()
        assertIn("acme/known-c", server.models())
        if server.name == "acme/known-c":
            MAPPER.get("acme/known-c")
        print("acme/known-c")
        assert is_served_uri("acme/known-c")
class TestServer:
    @classmethod
    def setUpClass(cls):
        cls.model = "acme/known-d"
        cls.process = popen_launch_server(cls.model, "http://127.0.0.1:30000")
        generate(model="acme/known-e", server_type="vllm")
        chat(model="gpt-4o")
        client.chat.completions.create(model="acme/known-a", messages=[])
        litellm.completion(model="acme/known-b", messages=[])
        client.stream_chat_completion(model="acme/known-b", messages=[])
        openai.ChatCompletion.create(model="acme/known-b", messages=[])
''')
    known = {"acme/known-a", "acme/known-b", "acme/known-c", "acme/known-d", "acme/known-e"}
    found = {(r.repo_id, r.line) for r in discover([tmp_path], known_ids=known.__contains__)}
    # The project's own loaders given a known id (a test's server fixture, an engine's model
    # keyword, a class attribute it is handed) and a model-named variable; never a table, a
    # comparison, an assert, a predicate, a lookup, a message or an inference API's request.
    assert found == {("acme/known-a", 4), ("acme/known-b", 5), ("acme/known-c", 6), ("acme/known-d", 17),
                     ("acme/known-e", 19)}
    # Without a catalogue none of these is a library's loader: nothing is reported.
    assert discover([tmp_path]) == []


def test_catalogue_matches_leave_request_schemas_and_assertions(tmp_path: Path) -> None:
    (tmp_path / "service.py").write_text('''from fastapi import Form
from pydantic import BaseModel
class TranscriptionRequest(BaseModel):
    model_name: str = "acme/known-a"
async def transcribe(model: str = Form("acme/known-a")):
    ...
def test_ids(server):
    assertEqual(split_model_id("acme/known-a"), ("acme", "known-a"))
    server.model_hf_repo = "acme/known-b"
    server.start()
embeddings = HuggingFaceEndpointEmbeddings(model=TEI_EMBEDDING_ENDPOINT_URL)
''')
    known = {"acme/known-a", "acme/known-b"}
    found = scan([tmp_path], known_ids=known.__contains__)
    # An API's request fields and the ids an assertion parses are not uses; a launcher object's
    # model attribute is; an endpoint's address given as model= is not an unseen model.
    assert {(r.repo_id, r.line) for r in found.references} == {("acme/known-b", 9)}
    assert found.problems == []


def test_a_catalogue_that_answers_in_bulk_is_asked_in_bulk(tmp_path: Path) -> None:
    ids = [f"org{i}/m{i}" for i in range(2_000)]
    (tmp_path / "table.py").write_text("IDS = [" + ", ".join(f'"{i}"' for i in ids) + "]\n"
                                       'm = AutoModel.from_pretrained("org7/m7")\n')
    one_by_one: list[str] = []
    batches: list[int] = []

    def known(repo_id: str) -> bool:
        one_by_one.append(repo_id)
        return repo_id == "org7/m7"

    def many(repo_ids: list[str]) -> set[str]:
        batches.append(len(repo_ids))
        return {r for r in repo_ids if r == "org7/m7"}

    known.many = many  # type: ignore[attr-defined]
    found = scan([tmp_path], known_ids=known)
    assert [(r.repo_id, r.line) for r in found.references] == [("org7/m7", 2)]
    # One question for the file's 2,000 quoted ids, none one by one (50,000 took 18 s).
    assert batches == [2_000] and one_by_one == []
