"""Find model references in commands: shell scripts, Dockerfiles, Makefiles, workflow and compose files.

The scan is token-based rather than a shell parser: commands are split on whitespace after
joining ``\\``-continued lines, quotes, brackets and commas are trimmed from tokens (so the
exec form ``CMD ["--model-id", "org/name"]`` reads like the shell form) and ``#`` starts a comment.
Dotted keys (Hydra overrides, namespaced flags) and the file's variables are read by
:mod:`catalog.scan.shell_overrides`.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator

from catalog.scan.base import IdCheck, Reference, line_and_column
from catalog.scan.ids import MODEL_ARGS as _MODEL_ARGS
from catalog.scan.ids import hub_url_id, is_local_folder, legacy_shaped, written_model
from catalog.scan.shell_flags import MODEL_FLAGS, MULTI_VALUE_FLAGS, TAGGED_FLAGS, model_flag
from catalog.scan.shell_overrides import OVERRIDE, dotted_model_key, file_variables, variable_name

_Token = tuple[str, int, int]  # (text, line, column)
# (id, line, column, context, revision token, lines of the command that uses a variable's value)
_Found = tuple[str, int, int, str, "_Token | None", tuple[int, ...]]
# What a file's variable stands for: the values it is set to, where each is written.
_Variables = Callable[[str], list[_Token]]

# torchtune's `tune download org/m` fetches from the Hub too (unless --source names another).
_DOWNLOADERS = ("huggingface-cli", "hf", "tune")
_DOWNLOAD_CONTEXTS = frozenset(f"{name} download" for name in _DOWNLOADERS)
# Programs whose command line names a Hub model without a flag (read as commands wherever written).
HUB_PROGRAMS = frozenset({*_DOWNLOADERS, "vllm", "trtllm-serve", "lmdeploy", "ollama", "litgpt"})
# Files read as shell scripts by their name; batch-job scripts (Slurm, PBS) are shell scripts
# under their scheduler's name.
SHELL_SUFFIXES = (".sh", ".bash", ".zsh", ".ksh", ".slurm", ".sbatch", ".pbs")
# litgpt's subcommands that take a Hub repository first (not `pretrain`, which takes a config's name).
_LITGPT_COMMANDS = ("download", "chat", "generate", "serve", "evaluate", "finetune")
# `lmdeploy serve` subcommands that take a model as their first argument.
_LMDEPLOY_SERVERS = frozenset({"api_server", "gradio"})
# Options of `hf download` / `vllm serve` that take a value, so the value is not the repo id.
_VALUE_OPTIONS = frozenset(
    {
        "--revision",
        "--repo-type",
        "--local-dir",
        "--cache-dir",
        "--token",
        "--include",
        "--exclude",
        "--max-workers",
        "--local-dir-use-symlinks",
        "--config",
        "--host",
        "--port",
        "--output-dir",  # tune download's
        "--hf-token",
        "--ignore-patterns",
        "--source",
    }
)
_OLLAMA_HUB = ("hf.co/", "huggingface.co/")


# lm-evaluation-harness: --model_args pretrained=org/name,dtype=float16
_MODEL_ARGS_FLAGS = ("--model_args", "--model-args")
_DECLARERS = frozenset({"export", "local", "readonly", "declare", "ENV", "ARG"})
_SEPARATORS = frozenset({";", "&&", "||", "|", "&"})
_ASSIGNMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=(.*)")
_MAKE_ASSIGNMENT = re.compile(
    r"^[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)[ \t]*(?:\?|:|::|\+)?=[ \t]*(\S+)[ \t]*$", re.MULTILINE
)
# `python -c "...snapshot_download('org/name')"`, common in Dockerfiles that bake a model in.
_INLINE_PYTHON = re.compile(
    r"""(?:snapshot_download|hf_hub_download|from_pretrained)\(\s*(?:repo_id\s*=\s*)?['"]([^'"\s]+)['"]"""
)
# A model named in part by a variable (DeepSpeedExamples' MODEL=org/bert-base-uncased-${TASK_NAME},
# --model_name_or_path facebook/${MODEL_NAME}): an organisation's repository discovery cannot name.
_PARTIAL_ID = re.compile(
    r"""(?:^[ \t]*(?:export[ \t]+|local[ \t]+)?([A-Za-z_]\w*)=|[ \t](--[\w.-]+)(?:[ \t]+|=))["']?"""
    r"""([A-Za-z0-9][\w.-]*/[\w.-]*\$[{(]?\w+[})]?[\w.${}-]*)""",
    re.MULTILINE,
)
_OTHER_REPO_TYPE = re.compile(r"""repo_type\s*=\s*['"](?:dataset|space)['"]""")
# Bash arrays: MODELS=("org/a" "org/b"), one element per line or several on one.
# A variable that holds a model: MODEL_ID, EMBEDDING_MODEL, VLLM_TOKENIZER (a tokenizer is a Hub
# repository too); not TOKENIZERS_PARALLELISM, which holds a switch.
_MODEL_VARIABLE = re.compile(r"model|tokenizer(?!s_parallelism)", re.IGNORECASE)


def _names_model(name: str) -> bool:
    return _MODEL_VARIABLE.search(name) is not None


_ARRAY = re.compile(r"^[ \t]*(?:(?:export|local|declare[ \t]+-a|readonly)[ \t]+)?([A-Za-z_]\w*)=\(([^)]*)\)",
                    re.MULTILINE)
_ARRAY_COMMENT = re.compile(r"(?<!\S)#[^\n]*")
_ARRAY_ELEMENT = re.compile(r"""(?<![^\s(,])(?:"([^"\s]+)"|'([^'\s]+)'|([^\s"',#()]+))""")
TRIGGERS = (b"model", b"tokenizer", b"TOKENIZER", b"download", b"serve", b"from_pretrained", b"huggingface.co", b"hf://", b"pretrained",
            b"-hf", b"hf.co/", b"lmdeploy", b"optimum-cli", b"olive ", b"litgpt")


def wants(data: bytes) -> bool:
    """Cheap test: could this file contain a command that names a model?"""
    lowered = data.lower()
    return any(trigger in lowered for trigger in TRIGGERS)


def _commands(text: str) -> Iterator[list[_Token]]:
    """Commands as token lists, joining continued lines and splitting on ;, &&, || and |."""
    command: list[_Token] = []
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.rstrip()
        continued = stripped.endswith("\\")
        body = stripped[:-1] if continued else stripped
        for match in re.finditer(r"\S+", body):
            token = match.group()
            if token.startswith("#"):
                break
            ends_command = token.endswith(";") and len(token) > 1
            token = token.rstrip(";") if ends_command else token
            if token in _SEPARATORS:
                if command:
                    yield command
                command = []
                continue
            trimmed = token.lstrip("\"'[")
            column = match.start() + 1 + len(token) - len(trimmed)
            trimmed = trimmed.rstrip("\"',]")
            if trimmed:
                command.append((trimmed, number, column))
            if ends_command and command:
                yield command
                command = []
        if not continued and command:
            yield command
            command = []
    if command:
        yield command


def _option_value(tokens: list[_Token], index: int, flag: str) -> _Token | None:
    """The value of ``flag`` at ``tokens[index]``, written ``--flag value`` or ``--flag=value``."""
    text, line, column = tokens[index]
    if text == flag:
        return tokens[index + 1] if index + 1 < len(tokens) else None
    if text.startswith(flag + "="):
        value = text[len(flag) + 1 :].strip("\"'")
        return (value, line, column + len(flag) + 1 + (text[len(flag) + 1 :] != value)) if value else None
    return None


def _option_anywhere(tokens: list[_Token], flag: str) -> _Token | None:
    """The value of ``flag`` wherever the command gives it."""
    return next((v for i in range(len(tokens)) if (v := _option_value(tokens, i, flag))), None)


def _first_positional(tokens: list[_Token], start: int) -> _Token | None:
    index = start
    while index < len(tokens):
        text = tokens[index][0]
        if not text.startswith("-"):
            return tokens[index]
        index += 2 if text in _VALUE_OPTIONS else 1
    return None


def _basename(token: str) -> str:
    return token.rsplit("/", 1)[-1]


def _scan_command(tokens: list[_Token], dockerfile: bool) -> Iterator[tuple[_Token, str, bool, bool]]:
    """(token, context, strong, pinnable) for each model named by one command."""
    texts = [t[0] for t in tokens]
    flagged: set[int] = set()  # token lines/columns already yielded as a flag's value
    for index, text in enumerate(texts):
        program = _basename(text)
        if ("huggingface.co/" in text or "hf.co/" in text or text.startswith(("hf://", "hf-hub:"))) and (
            (tokens[index][1], tokens[index][2]) not in flagged
        ) and "](" not in text:  # a Markdown link, [terms](https://huggingface.co/org/m/blob/main/LICENSE.md), is prose
            yield tokens[index], "Hub URL", True, False
        following = texts[index + 1] if index + 1 < len(texts) else None
        if program in _DOWNLOADERS and following == "download":
            repo_type, source = _option_anywhere(tokens, "--repo-type"), _option_anywhere(tokens, "--source")
            target = _first_positional(tokens, index + 2)
            if target and (repo_type is None or repo_type[0] == "model") and (
                    source is None or source[0] in ("hf", "huggingface")):
                yield target, f"{program} download", True, True
        elif program == "eland_import_hub_model":
            # Elastic's importer: here --hub-model-id is the model to download, not an upload target.
            for i in range(index + 1, len(tokens)):
                value = _option_value(tokens, i, "--hub-model-id")
                if value:
                    flagged.add((value[1], value[2]))
                    yield value, "eland_import_hub_model --hub-model-id", True, False
        elif program == "vllm" and following == "serve":
            target = _first_positional(tokens, index + 2)
            if target:
                yield target, "vllm serve", True, True
        elif program in ("optimum-cli", "olive"):
            # optimum-cli export openvino -m org/m ./out, Microsoft Olive's olive finetune -m org/m
            # (python's -m is a module); optimum-cli's --model takes a bare legacy id too (--model gpt2).
            for i in range(index + 1, len(tokens)):
                for flag in ("-m", "--model"):
                    value = _option_value(tokens, i, flag)
                    if value:
                        flagged.add((value[1], value[2]))
                        yield value, f"{program} {flag}", True, True
        elif program == "trtllm-serve":
            target = _first_positional(tokens, index + 1)
            if target:
                yield target, "trtllm-serve", True, True
        elif program == "lmdeploy" and (following == "chat" or following == "serve" and index + 2 < len(texts)
                                        and texts[index + 2] in _LMDEPLOY_SERVERS):
            # lmdeploy serve api_server org/m; lmdeploy chat org/m (`lmdeploy serve proxy` serves no model)
            target = _first_positional(tokens, index + (3 if following == "serve" else 2))
            if target:
                yield target, f"lmdeploy {following}", True, True
        elif program == "litgpt" and following is not None and following.startswith(_LITGPT_COMMANDS):
            # litgpt download org/m; litgpt finetune_lora org/m (it downloads the repository it is given)
            target = _first_positional(tokens, index + 2)
            if target:
                yield target, f"litgpt {following}", True, False
        elif program == "ollama" and following in ("run", "pull", "create", "show"):
            # Ollama pulls GGUF repositories from the Hub by URL: ollama run hf.co/org/m:Q4_K_M.
            target = _first_positional(tokens, index + 2)
            if target and target[0].lower().startswith(_OLLAMA_HUB):
                cut = target[0].index("/") + 1
                name = target[0][cut:].partition(":")[0]
                yield (name, target[1], target[2] + cut), f"ollama {following}", True, False
        # Every flag starts with "-": the other words (most of a large script) skip the tables.
        for flag, strong in MODEL_FLAGS.items() if text.startswith("-") else ():
            value = _option_value(tokens, index, flag)
            if value and (value[1], value[2]) not in flagged:  # not one a program's own rule read
                if flag in TAGGED_FLAGS:
                    # -hf is llama.cpp's only where llama.cpp runs (`sort -hf` is -h -f).
                    if not any("llama" in t.lower() for t in texts[:index]):
                        break
                    value = (value[0].partition(":")[0], value[1], value[2])
                flagged.add((value[1], value[2]))
                yield value, flag, strong, True
                if text == flag and flag in MULTI_VALUE_FLAGS:
                    for more in itertools.takewhile(lambda t: not t[0].startswith("-"), tokens[index + 2 :]):
                        yield more, flag, strong, True
                break
        if text.startswith("--") and text not in MODEL_FLAGS:
            flag = text.partition("=")[0]
            strength = model_flag(flag) if flag not in MODEL_FLAGS else None
            value = _option_value(tokens, index, flag) if strength is not None else None
            if value:
                flagged.add((value[1], value[2]))
                yield value, flag, bool(strength), True
        for flag in _MODEL_ARGS_FLAGS if text.startswith("-") else ():
            value = _option_value(tokens, index, flag)
            if value:
                for match in _MODEL_ARGS.finditer(value[0]):
                    yield (match.group(2), value[1], value[2] + match.start(2)), f"{flag} {match.group(1)}=", True, False
        override = OVERRIDE.fullmatch(text)
        key = (override.group(1) or override.group(2)) if override else None
        strength = dotted_model_key(key, model_flag) if key else None
        if override and strength is not None:
            # Hydra/OmegaConf: actor_rollout_ref.model.path=org/m, +model.tokenizer_path=org/m, ++tokenizer=org/m.
            value = override.group(3).strip("\"'")
            if value:
                offset = text.index(value, override.start(3))
                yield (value, tokens[index][1], tokens[index][2] + offset), f"{key}=", strength, False
        match = _ASSIGNMENT.fullmatch(text)
        if (
            match
            and _names_model(match.group(1))
            and (index == 0 or texts[index - 1] in _DECLARERS or _ASSIGNMENT.fullmatch(texts[index - 1]))
        ):
            value = match.group(2).strip("\"'")
            if value:
                offset = text.index(value, len(match.group(1)) + 1)
                yield (value, tokens[index][1], tokens[index][2] + offset), f"{match.group(1)}=", False, False
            if match.group(2)[:1] in ("'", '"') and len(match.group(2).rstrip("\"'")) == len(match.group(2)):
                # opt_models="facebook/opt-125m facebook/opt-1.3b" (for m in $opt_models): the quoted
                # value's other words, up to the end of the assignment's line.
                line = tokens[index][1]
                for word in itertools.takewhile(lambda t, line=line: t[1] == line, tokens[index + 1:]):
                    yield word, f"{match.group(1)}=", False, False
    # Dockerfile's legacy `ENV NAME value` form.
    if (
        dockerfile
        and len(tokens) == 3
        and texts[0].upper() in ("ENV", "ARG")
        and "=" not in texts[1]
        and _names_model(texts[1])
    ):
        yield tokens[2], f"{texts[1]}=", False, False


def _references(
    commands: Iterator[list[_Token]], check: IdCheck, dockerfile: bool, variables: _Variables | None = None
) -> list[_Found]:
    found: list[_Found] = []
    for tokens in commands:
        revision = _option_anywhere(tokens, "--revision")
        for word, context, strong, pinnable in _scan_command(tokens, dockerfile):
            used: tuple[int, ...] = ()
            candidates = [word]
            name = variable_name(word[0]) if variables and context in _DOWNLOAD_CONTEXTS else None
            if name is not None:
                # hf download "$REPO" with REPO=org/m set in the file (a workflow's env:, $GITHUB_ENV):
                # reported where the value is written, the download's line kept as related.
                candidates, used = variables(name), (word[1],)
            for value, line, column in candidates:
                value, at = written_model(value)  # --model ${MODEL:-org/m}, --model huggingface/org/m
                column += at
                url = hub_url_id(value)
                if url is not None:
                    value, column = url[0], column + url[1]
                # A bare word is a model only if shaped like a legacy name (or the catalogue knows it).
                if check.accepts(value, strong=strong and ("/" in value or legacy_shaped(value))) \
                        and not is_local_folder(value):
                    pin = revision if pinnable else None
                    found.append((value, line, column, context, pin, used))
    return found


def _membership_only(text: str, name: str) -> bool:
    """Whether the array ``name`` is only ever expanded in a membership test
    (``[[ " ${SUPPORTED_MODELS[*]} " =~ " $X " ]]``): a list to check against, not models run."""
    lines = []
    for expansion in re.finditer(r"\$\{" + re.escape(name) + r"\[[@*]\]\}", text):
        end = text.find("\n", expansion.end())
        lines.append(text[text.rfind("\n", 0, expansion.start()) + 1: end if end >= 0 else len(text)])
    return bool(lines) and all("=~" in line for line in lines)


def _file_variables(text: str) -> _Variables:
    """The values of ``text``'s variables, read once the first download names one."""
    table: dict[str, list[tuple[str, int]]] | None = None

    def values(name: str) -> list[_Token]:
        nonlocal table
        if table is None:
            table = file_variables(text)
        return [(value, *line_and_column(text, offset)) for value, offset in table.get(name, ())]

    return values


def scan_words(words: list[_Token], check: IdCheck) -> list[tuple[str, int, int, str, str | None]]:
    """Models named by one command given as words (a Python list such as ``["hf", "download", X]``).

    Returns (id, line, column, context, revision) with the words' own lines and columns.
    """
    return [(v, line, column, context, pin[0] if pin else None)
            for v, line, column, context, pin, _ in _references(iter([words]), check, False)]


def scan_text(text: str, check: IdCheck) -> list[tuple[str, int, int, str, str | None]]:
    """Models named by the command lines in ``text`` (e.g. a Python string), lines from 1."""
    return [(v, line, column, context, pin[0] if pin else None)
            for v, line, column, context, pin, _ in _references(_commands(text), check, False)]


def scan_commands(
    text: str, file: str, kind: str, check: IdCheck, *, makefile: bool = False
) -> list[Reference]:
    """Return the references in a file of commands; ``kind`` is ``"shell"`` or ``"dockerfile"``."""
    refs: list[Reference] = []
    found = _references(_commands(text), check, kind == "dockerfile", _file_variables(text))
    for value, line, column, context, pin, used in found:
        related = tuple(sorted(({pin[1]} if pin else set()) - {line} | set(used)))
        refs.append(Reference(value, file, line, column, kind, pin[0] if pin else None, context, related))
    for match in _INLINE_PYTHON.finditer(text):
        # snapshot_download(repo_id='org/d', repo_type='dataset'): a dataset, not a model.
        call = text[match.end(): match.end() + 300].partition(")")[0]
        if _OTHER_REPO_TYPE.search(call):
            continue
        if check.accepts(match.group(1), strong=True):
            line, column = line_and_column(text, match.start(1))
            refs.append(Reference(match.group(1), file, line, column, kind, None, "python -c"))
    for match in _ARRAY.finditer(text):
        if "model" not in match.group(1).lower() or _membership_only(text, match.group(1)):
            continue
        # A comment between the elements (`# Optional: use canonical LoRA`) holds words, not values.
        comments = [c.span() for c in _ARRAY_COMMENT.finditer(match.group(2))]
        for element in _ARRAY_ELEMENT.finditer(match.group(2)):
            if any(start <= element.start() < end for start, end in comments):
                continue
            value = element.group(1) or element.group(2) or element.group(3)
            if check.accepts(value, strong=False):
                line, column = line_and_column(text, match.start(2) + element.start())
                refs.append(Reference(value, file, line, column + 1, kind, None, f"{match.group(1)}=( )"))
    for match in _PARTIAL_ID.finditer(text):
        name, flag, value = match.groups()
        if (_names_model(name) if name else model_flag(flag) is not None) and not is_local_folder(value):
            line, column = line_and_column(text, match.start(3))
            written = f"{name}={value}" if name else f"{flag} {value}"
            check.problem("unresolved-reference", file, line, column,
                          f"{written}: a model named in part by a variable discovery cannot resolve")
    if makefile:
        for match in _MAKE_ASSIGNMENT.finditer(text):
            name, value = match.groups()
            if _names_model(name) and check.accepts(value, strong=False):
                line, column = line_and_column(text, match.start(2))
                refs.append(Reference(value, file, line, column, kind, None, f"{name}="))
    return refs
