"""Local folders: the places a module writes and reads back, which are never Hub ids.

``model.save_pretrained(OUT)`` then ``from_pretrained(OUT)`` loads what the code saved;
``from_pretrained("outputs/run1")`` a folder of the project. The half of
:class:`catalog.scan.python._Scanner` that remembers what its module writes and tells such values apart.
"""

from __future__ import annotations

import ast
import re

from catalog.scan.ids import LOCAL_FOLDERS
from catalog.scan.python_scopes import literal

# A name that says it holds a place the code writes or reads locally.
_LOCAL_NAME = re.compile(r"(output|save|^out_|_out$|dir$|_folder$|cache|local|tmp|temp)", re.IGNORECASE)
# A name that says it holds a server's address (an inference client's model= may be one).
_ENDPOINT_NAME = re.compile(r"(url|endpoint|_host|address)$", re.IGNORECASE)


class LocalFolders:
    """What a module writes (names and literals given to save calls), and the tests on values."""

    consumed: set[int]

    def __init__(self, trigger_lines: list[int] | None) -> None:
        super().__init__(trigger_lines)  # type: ignore[call-arg]
        self.written_names: set[str] = set()  # names and literals the code writes to (local folders)
        self.written_texts: set[str] = set()

    def written(self, nodes: list[ast.expr]) -> None:
        """Remember ``nodes`` as places the code writes (a save call's folder), never Hub ids."""
        for node in nodes:
            self.consumed.add(id(node))
            if isinstance(node, ast.Name):
                self.written_names.add(node.id)
            elif isinstance(node, ast.Attribute):
                self.written_names.add(node.attr)
            text = literal(node)
            if text is not None:
                self.written_texts.add(text)

    def is_local(self, value: str, via: tuple[str, ...] = ()) -> bool:
        """Whether a value is a folder the code writes or a relative path rather than a Hub id."""
        if value in self.written_texts or any(n in self.written_names for n in via):
            return True
        if via and _LOCAL_NAME.search(via[-1]):
            return True
        head, slash, _ = value.partition("/")
        return bool(slash) and head.lower() in LOCAL_FOLDERS

    def written_expression(self, arg: ast.expr) -> bool:
        """``from_pretrained(output_dir)``: loading back what the code saved, not an unseen Hub id;
        ``HuggingFaceEndpointEmbeddings(model=TEI_ENDPOINT_URL)``: a server's address."""
        last = arg.attr if isinstance(arg, ast.Attribute) else arg.id if isinstance(arg, ast.Name) else ""
        return bool(last) and (last in self.written_names or bool(_LOCAL_NAME.search(last))
                               or bool(_ENDPOINT_NAME.search(last)))
