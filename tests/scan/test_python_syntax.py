"""Python 3.12's type-parameter syntax is read as Python by discovery on any interpreter."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from catalog.scan.discovery import scan
from catalog.scan.python_syntax import MAX_TYPE_PARAMS, parse, without_type_parameters

# A module of a project requiring Python 3.12 (the shapes lerobot's processor pipeline writes).
PIPELINE = '''from typing import Any
from huggingface_hub import hf_hub_download
from transformers import AutoModel

type FeatureDict = dict[str, dict[str, Any]]
type Pair[K, V] = tuple[K, V]
DEFAULT = "org/pipeline-base"


class Pipeline[TInput, TOutput](object):
    """Loading from the Hub: Pipeline.from_pretrained("user/repo")."""

    def __init__(self, name: str = DEFAULT):
        self.model = AutoModel.from_pretrained(name)

    @classmethod
    def from_pretrained[T: "Pipeline"](cls, model_id: str) -> T:
        return hf_hub_download(model_id, "processor.json")


def load[
    T,  # what the file holds ]
    U: dict[str, int],
](path: T) -> U:
    return AutoModel.from_pretrained("org/generic-loader")
'''


def test_a_module_with_type_parameters_is_parsed_not_read_line_by_line(tmp_path: Path) -> None:
    (tmp_path / "pipeline.py").write_text(PIPELINE)
    found = scan([tmp_path], root=tmp_path)
    lines = PIPELINE.splitlines()

    def at(text: str) -> tuple[int, int]:  # 1-based line and column of text's first line in the module
        line = next(i for i, s in enumerate(lines) if text in s)
        return line + 1, lines[line].index(text) + 1

    assert {(r.repo_id, r.line, r.column, r.related_lines) for r in found.references} == {
        # The default reaches the load through the data flow (a line reader saw the id alone and
        # not where it is loaded), at the columns the file has them in.
        ("org/pipeline-base", *at("name)"), (at("DEFAULT =")[0], at("def __init__")[0])),
        ("org/generic-loader", *at('"org/generic-loader"'), ()),
    }
    # The docstring's example is prose, not a use (read line by line it was reported), and the
    # classmethod's load of its parameter is what the tool cannot see: said, not skipped.
    assert [(p.code, p.line, p.detail) for p in found.problems] == [
        ("unresolved-reference", at("hf_hub_download(model_id")[0], "hf_hub_download(model_id)")]


def test_the_rewrite_keeps_every_line_and_the_columns_after_the_parameters() -> None:
    source = b"type Row[T] = list[T]\nclass C[\n    T,\n](B): x = f('org/m')\n"
    plain = without_type_parameters(source)
    assert plain is not None and len(plain) == len(source) and plain.count(b"\n") == source.count(b"\n")
    assert plain.splitlines()[0].index(b"= list") == source.splitlines()[0].index(b"= list")
    tree = parse(source)
    constant = next(n for n in ast.walk(tree) if isinstance(n, ast.Constant))
    assert (constant.lineno, constant.col_offset) == (4, source.splitlines()[3].index(b"'"))
    assert [type(n).__name__ for n in tree.body] == ["Assign", "ClassDef"]


@pytest.mark.parametrize("source", [
    # Not type parameters: still the parser's own complaint, the file read line by line.
    b"def f(:\n    pass\n",
    b"class C[T:\n    pass\n",  # never closed
    b"class C[" + b"T, " * MAX_TYPE_PARAMS + b"]:\n    pass\n",  # past the bound
    b"class C[\n\n    T,\n]:\n    pass\n",  # an empty line inside: no byte for a continuation
])
def test_what_is_not_type_parameters_still_fails_with_the_parsers_own_message(source: bytes) -> None:
    with pytest.raises(SyntaxError) as original:
        compile(source, "<m>", "exec", ast.PyCF_ONLY_AST)
    with pytest.raises(SyntaxError) as ours:
        parse(source)
    assert (ours.value.msg, ours.value.lineno) == (original.value.msg, original.value.lineno)


def test_a_name_called_type_is_left_alone() -> None:
    source = b"type = 'org/m'\nx = type(1)\nprint(type == 2)\n"
    assert without_type_parameters(source) is None
    assert [type(n).__name__ for n in parse(source).body] == ["Assign", "Assign", "Expr"]


def test_a_notebook_cell_with_type_parameters_is_read_as_python(tmp_path: Path) -> None:
    import json

    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
            "source": ["type Name = str\n", "MODEL = 'org/notebook-model'\n",
                       "from transformers import AutoModel\n", "m = AutoModel.from_pretrained(MODEL)\n"]}
    (tmp_path / "n.ipynb").write_text(json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4,
                                                  "nbformat_minor": 5}))
    found = scan([tmp_path], root=tmp_path)
    assert [r.repo_id for r in found.references] == ["org/notebook-model"]
    assert found.problems == []


def test_a_name_imported_from_a_module_with_type_parameters_is_followed_there(tmp_path: Path) -> None:
    (tmp_path / "pipeline.py").write_text(PIPELINE)
    (tmp_path / "app.py").write_text("from transformers import AutoTokenizer\nfrom pipeline import DEFAULT\n"
                                     "tok = AutoTokenizer.from_pretrained(DEFAULT)\n")
    found = scan([tmp_path / "app.py"], root=tmp_path)
    assert [(r.repo_id, r.file, r.line) for r in found.references] == [("org/pipeline-base", "pipeline.py", 7)]
    assert found.problems == []
