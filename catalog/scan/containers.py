"""Models a container spec in YAML runs: its command line and its environment.

Kubernetes manifests, Helm charts, KServe and compose files start model servers from a mapping
such as ``{command: [vllm, serve, org/m], args: [--tokenizer, org/t], env: [{name: MODEL_ID,
value: org/e}]}``. The words of ``command`` and ``args`` (a list, one word an item, or a string)
are read by the command rules (:mod:`catalog.scan.shell`) at their own lines, and an environment
entry whose name says "model" by the environment-file rule. Helm values hand a chart's template
more arguments as a list under a key ending in ``args`` (``containerArgs: [--model, org/m]``,
``extraArgs``, ``server_args``): such a list is read as words of the same command line.
Configuration files call this for every mapping they walk (:mod:`catalog.scan.config_files`).
"""

from __future__ import annotations

import re
from typing import Any

from catalog.scan.base import IdCheck, Reference, is_workflow
from catalog.scan.ids import env_default
from catalog.scan.shell import scan_text, scan_words

# Keys holding a container's command line, in the order the words run (compose's entrypoint first).
# Beaker's experiment specs call a container's args "arguments".
_COMMAND_KEYS = ("entrypoint", "command", "cmd", "args", "arguments")
_ENV_KEYS = ("env", "environment")
_WORD = re.compile(r"\S+")
# Scripts a task runs: SkyPilot's run/setup, GitLab CI's script/before_script (a block, a string or
# a list of lines), each read as command lines of its own.
_SCRIPT_KEYS = ("run", "setup", "script", "before_script")
# containerArgs, extraArgs, extra-args, SERVER_ARGS (not kwargs): a list of them is more command words.
_ARGS_KEY = re.compile(r"(?:[_-](?:args|Args|ARGS)|[a-z0-9]Args)$")


def container_references(node: Any, file: str, check: IdCheck) -> list[Reference]:
    """The references of one YAML mapping node read as a container spec (none if it is not one)."""
    fields = {str(key.value).lower(): value for key, value in node.value if _is_scalar(key)}
    refs: list[Reference] = []
    words: list[tuple[str, int, int]] = []
    for key in _COMMAND_KEYS:
        value = fields.get(key)
        if value is None:
            continue
        if _is_scalar(value) and value.style in ("|", ">"):
            refs += _script(value, file, check)
        elif _is_scalar(value):
            words += _words(value)
        elif _is_sequence(value):
            refs += _list(value, file, check, words)
    for key, value in node.value:
        if _is_scalar(key) and _ARGS_KEY.search(str(key.value)) and _is_sequence(value):
            refs += _list(value, file, check, words)
    # A GitHub workflow's run: steps are read with the whole file by the command rules.
    for key in _SCRIPT_KEYS if not is_workflow(file) else ():
        value = fields.get(key)
        lines = [value] if value is not None and _is_scalar(value) else value.value if value is not None and \
            _is_sequence(value) else []
        refs += [ref for line in lines if _is_scalar(line) and " " in str(line.value).strip()
                 for ref in _script(line, file, check)]
    if words:
        refs += [_reference(file, v, line, column, context, pin)
                 for v, line, column, context, pin in scan_words(words, check)]
    environment = next((fields[key] for key in _ENV_KEYS if key in fields), None)
    if environment is not None and _is_sequence(environment):
        for item in environment.value:
            refs += _environment_entry(item, file, check)
    return refs


def _list(node: Any, file: str, check: IdCheck, words: list[tuple[str, int, int]]) -> list[Reference]:
    """Add the words of a command given as a list to ``words``; return what its scripts name."""
    refs = []
    for item in (i for i in node.value if _is_scalar(i)):
        if any(space in str(item.value).strip() for space in " \n\t"):
            refs += _script(item, file, check)  # sh -c "...": a command line of its own
        else:
            words += _words(item, split=False)
    return refs


def _script(node: Any, file: str, check: IdCheck) -> list[Reference]:
    """The command lines of a scalar holding a script (a block, or a one-line ``sh -c`` string)."""
    block = node.style in ("|", ">")
    first = node.start_mark.line + (1 if block else 0)  # a block's text starts on the next line
    shift = 0 if block else node.start_mark.column + (node.style in ("'", '"'))
    return [_reference(file, v, first + line, column + (shift if line == 1 else 0), context, pin)
            for v, line, column, context, pin in scan_text(str(node.value), check)]


def _environment_entry(item: Any, file: str, check: IdCheck) -> list[Reference]:
    """``{name: MODEL_ID, value: org/m}`` (Kubernetes) or ``MODEL_ID=org/m`` (compose)."""
    if _is_scalar(item):
        name, equals, value = str(item.value).partition("=")
        offset = len(name) + 1
    elif _is_mapping(item):
        fields = {str(k.value): v for k, v in item.value if _is_scalar(k) and _is_scalar(v)}
        if "name" not in fields or "value" not in fields:
            return []
        name, equals, value = str(fields["name"].value), "=", str(fields["value"].value)
        item, offset = fields["value"], 0
    else:
        return []
    value = value.strip()
    default = env_default(value)  # MODEL_ID=${MODEL_ID:-org/m}
    if default is not None:
        value, offset = default[0], offset + default[1]
    if not equals or "model" not in name.lower() or not check.accepts(value, strong=False):
        return []
    mark = item.start_mark
    return [Reference(value, file, mark.line + 1, mark.column + 1 + offset + (item.style in ("'", '"')), "config",
                      None, f"env {name}")]


def _words(node: Any, *, split: bool = True) -> list[tuple[str, int, int]]:
    """The words of a one-line scalar at their file positions (a list item is one word)."""
    text = str(node.value)
    line, column = node.start_mark.line + 1, node.start_mark.column + 1 + (node.style in ("'", '"'))
    if not split:
        return [(text, line, column)]
    return [(m.group(), line, column + m.start()) for m in _WORD.finditer(text)]


def _reference(file: str, value: str, line: int, column: int, context: str, pin: str | None) -> Reference:
    return Reference(value, file, line, column, "config", pin, context)


def _is_scalar(node: Any) -> bool:
    import yaml  # loaded already: only a YAML file's walk calls this

    return isinstance(node, yaml.ScalarNode)


def _is_sequence(node: Any) -> bool:
    import yaml

    return isinstance(node, yaml.SequenceNode)


def _is_mapping(node: Any) -> bool:
    import yaml

    return isinstance(node, yaml.MappingNode)
