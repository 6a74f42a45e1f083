"""Local folders: the places a module writes and reads back, which are never Hub ids.

``model.save_pretrained(OUT)`` then ``from_pretrained(OUT)`` loads what the code saved;
``from_pretrained("outputs/run1")`` a folder of the project. The half of
:class:`catalog.scan.python._Scanner` that remembers what its module writes and tells such values apart.
"""

from __future__ import annotations

import ast
import re
from typing import Any

from catalog.scan.ids import is_local_folder, looks_like_repo_id
from catalog.scan.python_scopes import literal

# A name that says it holds a place the code writes or reads locally.
_LOCAL_NAME = re.compile(r"(output|save|^out_|_out$|dir$|_folder$|cache|local|tmp|temp)", re.IGNORECASE)
# ...only by saying it holds a folder (AutoGPTQ's `pretrained_model_dir = "facebook/opt-125m"`): an
# org/name written there is the Hub repository the folder is downloaded from.
_FOLDER_NAME = re.compile(r"(dir$|_folder$)", re.IGNORECASE)
# A name that says it holds a server's address (an inference client's model= may be one).
_ENDPOINT_NAME = re.compile(r"(url|endpoint|_host|address)$", re.IGNORECASE)


class LocalFolders:
    """What a module writes (names and literals given to save calls), and the tests on values."""

    consumed: set[int]
    scope: Any  # the scope being visited (python_scopes.BindingVisitor)

    def __init__(self, trigger_lines: list[int] | None) -> None:
        super().__init__(trigger_lines)  # type: ignore[call-arg]
        self.written_names: set[str] = set()  # names and literals the code writes to (local folders)
        self.written_texts: set[str] = set()
        # name -> the scopes (their ids) in which a save call was given that name: another
        # function's `model_id` is another variable (optimum-neuron's tests save to one
        # `model_name_or_path` and load another, unseen one elsewhere).
        self.written_in: dict[str, set[int]] = {}

    def written(self, nodes: list[ast.expr]) -> None:
        """Remember ``nodes`` as places the code writes (a save call's folder), never Hub ids."""
        for node in nodes:
            self.consumed.add(id(node))
            if isinstance(node, ast.Name):
                self.written_names.add(node.id)
                self.written_in.setdefault(node.id, set()).add(id(self.scope))
            elif isinstance(node, ast.Attribute):
                self.written_names.add(node.attr)
            text = literal(node)
            if text is not None:
                self.written_texts.add(text)

    def is_local(self, value: str, via: tuple[str, ...] = ()) -> bool:
        """Whether a value is a folder the code writes or a relative path rather than a Hub id."""
        if value in self.written_texts or any(n in self.written_names for n in via):
            return True
        if is_local_folder(value):
            return True
        if via and _LOCAL_NAME.search(via[-1]):
            return not (_folder_only(via[-1]) and "/" in value and looks_like_repo_id(value))
        return False

    def written_expression(self, arg: ast.expr, scope: Any) -> bool:
        """``from_pretrained(output_dir)``, also ``str(output_dir)``: loading back what the code
        saved (in ``scope`` or a scope around it), not an unseen Hub id;
        ``HuggingFaceEndpointEmbeddings(model=TEI_ENDPOINT_URL)``: a server's address. Not a name
        saying only that it holds a folder (``model_dir``): a Hub id is as often given there."""
        while isinstance(arg, ast.Call) and isinstance(arg.func, ast.Name) and arg.func.id == "str" and len(arg.args) == 1:
            arg = arg.args[0]
        # f"{tempdir}/executorch", tempdir + "/model": a path under a folder the code holds.
        if isinstance(arg, ast.JoinedStr) and arg.values and isinstance(arg.values[0], ast.FormattedValue):
            arg = arg.values[0].value
        elif isinstance(arg, ast.BinOp) and isinstance(arg.op, ast.Add):
            arg = arg.left
        if isinstance(arg, ast.Name):
            last, saved = arg.id, self._written_around(arg.id, scope)
        else:
            last = arg.attr if isinstance(arg, ast.Attribute) else ""
            saved = last in self.written_names  # an attribute: shared by the class's methods
        return bool(last) and (saved or bool(_LOCAL_NAME.search(last)) and not _folder_only(last)
                               or bool(_ENDPOINT_NAME.search(last)))

    def _written_around(self, name: str, scope: Any) -> bool:
        """Whether a save call was given ``name`` in ``scope`` or one of the scopes around it."""
        scopes = self.written_in.get(name)
        while scopes and scope is not None:
            if id(scope) in scopes:
                return True
            scope = scope.parent
        return False


def _folder_only(name: str) -> bool:
    """Whether a name says only that it holds a folder (``pretrained_model_dir``, ``model_dir``), not
    that the code writes it (``output_dir``, ``cache_dir``, ``tmp_dir``)."""
    return bool(_FOLDER_NAME.search(name)) and not _LOCAL_NAME.search(_FOLDER_NAME.sub("", name))
