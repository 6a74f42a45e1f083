"""Reading a policy's source: bounded YAML that remembers where each key is, and the error that
cites that place (a line for a YAML file, a key path for JSON).

Split from :mod:`catalog.compliance.policy_file`, which validates what is read here into a ``Policy``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from catalog.errors import CatalogError


class PolicyError(CatalogError, ValueError):
    """A policy that cannot be used, with where the problem is.

    ``str(e)`` reads ``policy.yaml line 4: unknown license id 'apache2'; did you mean 'apache-2.0'?``
    for files, and ``<json> exceptions[0].expires: ...`` for policies sent as JSON.
    """

    def __init__(self, message: str, *, source: str = "<inline>", line: int | None = None,
                 column: int | None = None, key: str | None = None, unparseable: bool = False) -> None:
        self.message = message
        # Not a policy at all (bad YAML, a bound exceeded): the API answers 400, not 422.
        self.unparseable = unparseable
        self.source = source
        self.line = line
        self.column = column
        self.key = key
        where = f" line {line}" if line is not None else f" {key}" if key else ""
        super().__init__(f"{source}{where}: {message}")


# Bounds that keep a hostile policy cheap to refuse: a real policy is a few KB, a few levels deep,
# and has no use for aliases (a few hundred bytes of nested aliases expand to gigabytes).
MAX_POLICY_BYTES = 256 * 1024
MAX_POLICY_DEPTH = 16


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, composing no alias and nothing nested deeper than MAX_POLICY_DEPTH."""

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(None, None, "aliases (*name) are not allowed in a policy",
                                              event.start_mark)
        if self._depth >= MAX_POLICY_DEPTH:
            raise yaml.composer.ComposerError(None, None, f"nested deeper than {MAX_POLICY_DEPTH} levels",
                                              self.peek_event().start_mark)
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class Locator:
    """Turns a key path into an error location: a line for YAML, a dotted key for JSON."""

    def __init__(self, source: str, marks: Mapping[tuple, yaml.Mark] | None = None) -> None:
        self.source = source
        self.marks = marks

    def error(self, path: tuple, message: str) -> PolicyError:
        if self.marks is not None:
            mark = self.marks.get(path) or self.marks.get(path[:-1])
            if mark is not None:
                return PolicyError(message, source=self.source, line=mark.line + 1, column=mark.column + 1)
        key = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path).lstrip(".")
        return PolicyError(message, source=self.source, key=key or None)


def read_yaml(text: str, source: str) -> tuple[Any, dict[tuple, yaml.Mark]]:
    """The data of a policy written in YAML, and where each key path starts in the text.

    Raises:
        PolicyError: The text is too long, not YAML, or breaks a bound (depth, aliases); the
            error carries the line and is ``unparseable`` (not a policy at all).
    """
    if len(text) > MAX_POLICY_BYTES:
        raise PolicyError(f"{len(text):,} characters; a policy may have {MAX_POLICY_BYTES:,}", source=source,
                          unparseable=True)
    loader = None
    try:
        # The reader refuses NUL and other control characters as soon as it is built.
        loader = _BoundedLoader(text)
        node = loader.get_single_node()
        marks: dict[tuple, yaml.Mark] = {(): node.start_mark} if node is not None else {}
        data = _node_data(loader, node, (), marks, source) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "malformed YAML"
        raise PolicyError(problem, source=source, line=mark.line + 1 if mark else None,
                          column=mark.column + 1 if mark else None, unparseable=True) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        raise PolicyError(f"character U+{exc.character:04X} is not allowed in YAML", source=source, line=line,
                          unparseable=True) from None
    except yaml.YAMLError as exc:
        raise PolicyError(f"malformed YAML: {exc}", source=source, unparseable=True) from None
    finally:
        if loader is not None:
            loader.dispose()
    return data, marks


def _node_data(loader: yaml.SafeLoader, node: yaml.Node, path: tuple, marks: dict, source: str) -> Any:
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str):
                raise Locator(source, {(): key_node.start_mark}).error((), "keys must be plain names")
            marks[path + (key,)] = key_node.start_mark
            if key in out:
                # PyYAML keeps the last duplicate silently, which would drop half of a policy.
                raise Locator(source, marks).error(path + (key,), f"duplicate key {key!r}")
            out[key] = _node_data(loader, value_node, path + (key,), marks, source)
        return out
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, item in enumerate(node.value):
            marks[path + (index,)] = item.start_mark
            items.append(_node_data(loader, item, path + (index,), marks, source))
        return items
    if path and path[-1] == "revision" and node.tag != "tag:yaml.org,2002:null":
        return node.value  # a sha of digits would otherwise become an int and lose leading zeros
    try:
        return loader.construct_object(node)
    except ValueError:
        return node.value  # e.g. 2027-13-01 matches YAML's date pattern but is no date
