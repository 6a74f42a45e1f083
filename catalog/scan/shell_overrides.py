"""Dotted model keys on command lines, and the variables a script sets, for :mod:`catalog.scan.shell`.

Trainers configured by Hydra or OmegaConf (verl, NeMo) take their settings as ``key=value`` words
(``actor_rollout_ref.model.path=org/m``, ``+model.tokenizer_path=org/m``), and OpenRLHF's flags
carry the role as a namespace (``--actor.model_name_or_path org/m``). Whether such a key names a
model is decided from its last segments, so that ``data.path`` or ``model.lora.rank`` stay settings.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# key=value with a dotted key; Hydra prefixes an added key with + (or ++ to add or override), which
# also marks a top-level key as an override (NeMo-Skills' ++tokenizer=org/m).
OVERRIDE = re.compile(r"(?:\+{0,2}([A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)+)|\+{1,2}([A-Za-z_][\w-]*))=(.*)")
# The setting under a model or tokenizer section that holds what is loaded: model.path,
# tokenizer.name_or_path, reward_model.path, verl's SFT model.partial_pretrain; and a policy's
# pretrained path (LeRobot's --policy.path=org/m; its --policy.repo_id is where it pushes).
_SECTIONS = ("model", "tokenizer")
_LEAVES = frozenset({"path", "name", "name_or_path", "id", "repo_id", "partial_pretrain"})
_POLICY_LEAVES = frozenset({"path", "pretrained_path"})


def dotted_model_key(key: str, flag_strength: Callable[[str], bool | None]) -> bool | None:
    """Whether a dotted key (``critic.model.path``) names a model, as :func:`catalog.scan.shell_flags.model_flag`
    answers for a flag: True (any ``org/name`` counts), False (a bare name only if the catalogue
    knows it), None (not a model). ``flag_strength`` answers for the last segment written as a flag,
    so ``reward.model_name_or_path`` is as strong as ``--model_name_or_path``."""
    segments = key.lower().replace("-", "_").split(".")
    strength = flag_strength("--" + segments[-1])
    if strength is not None or len(segments) < 2:
        return strength
    section = segments[-2]
    if segments[-1] in _LEAVES and (section in _SECTIONS or section.endswith(("_model", "_tokenizer"))):
        return False
    if section == "policy" and segments[-1] in _POLICY_LEAVES:
        return False
    return None


# NAME=value at the start of a shell line (also exported, a Dockerfile's ENV/ARG, a compose list's
# `- NAME=value`), a workflow's `NAME: value` under env:, and GitHub Actions' `echo "NAME=value" >>
# "$GITHUB_ENV"`. A value may be an environment default (${NAME:-org/m}), which the caller reads.
_WORD = r"""(?:"([^"\s`]+)"|'([^'\s]+)'|([^\s"'`#;&|()]+))"""
_SHELL_SET = re.compile(
    rf"^[ \t]*(?:-[ \t]+)?(?:(?:export|local|readonly|declare|ENV|ARG)[ \t]+)?([A-Za-z_]\w*)={_WORD}(?=[\s;]|$)",
    re.MULTILINE,
)
_ENV_KEY = re.compile(rf"^[ \t]*([A-Z_][A-Z0-9_]*):[ \t]+{_WORD}[ \t]*(?:#.*)?$", re.MULTILINE)
_GITHUB_ENV = re.compile(r"""\becho[ \t]+["']?([A-Za-z_]\w*)=([^\s"'`$]+)["']?[ \t]*>>""")
_REFERENCE = re.compile(r"\$(?:\{([A-Za-z_]\w*)\}|([A-Za-z_]\w*))")
# A name set to more values than this is a loop or a table, not a setting.
_MAX_VALUES = 8


def file_variables(text: str) -> dict[str, list[tuple[str, int]]]:
    """The literal values each variable is set to in ``text``, with their character offsets."""
    values: dict[str, list[tuple[str, int]]] = {}
    for pattern in (_SHELL_SET, _ENV_KEY, _GITHUB_ENV):
        for match in pattern.finditer(text):
            group = next(g for g in range(2, pattern.groups + 1) if match.group(g) is not None)
            values.setdefault(match.group(1), []).append((match.group(group), match.start(group)))
    return {name: found for name, found in values.items() if len(found) <= _MAX_VALUES}


def variable_name(word: str) -> str | None:
    """The variable a word is, written ``$NAME`` or ``${NAME}``, else None."""
    match = _REFERENCE.fullmatch(word)
    return (match.group(1) or match.group(2)) if match else None
