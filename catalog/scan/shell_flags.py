"""The command-line flags that take a model, for :mod:`catalog.scan.shell` and the Python rules.

``--model_name_or_path org/m`` in a shell script, a Dockerfile, a workflow or a Python list of
words: which flags name a model, and how strongly (whether a bare name after one counts).
"""

from __future__ import annotations

import re

from catalog.scan.shell_overrides import dotted_model_key

# --flag -> strong; after a weak flag a bare legacy name counts only if the catalogue knows it.
MODEL_FLAGS = {
    "--model": False,
    "--tokenizer": False,
    "--model-id": True,
    "--model_id": True,
    "--model_name_or_path": True,
    "--model-name-or-path": True,
    "--pretrained_model_name_or_path": True,
    "--tokenizer_name": True,
    "--tokenizer_name_or_path": True,
    "--tokenizer-name": True,
    "--base_model": True,
    "--base-model": True,
    "--model_name": False,
    "--model-name": False,
    "--teacher_model_name_or_path": True,
    "--reward_model_name_or_path": True,
    "--ref_model_name_or_path": True,
    "--draft_model": True,
    "--draft-model": True,
    "--speculative_model": True,
    "--speculative-model": True,
    "--pretrained": True,
    "--model_path": False,
    "--model-path": False,
    "--tokenizer-path": False,  # SGLang's server
    "--tokenizer_path": False,
    "--speculative-draft-model-path": False,  # SGLang's draft model (a repo, or a local folder)
    "--speculative_draft_model_path": False,
    # LLaVA-style multimodal training: the vision encoder and the language model it is joined to.
    "--vision_tower": True,
    "--vision-tower": True,
    "--mm_vision_tower": True,
    "--vision_path": False,
    "--llm_path": False,
    "--target_model": False,  # a speculative decoder's target
    "--target-model": False,
}
# The other models of RLHF and distillation trainers (ms-swift, TRL): a bare name is as likely one
# of the trainer's own choices, so only an org/name or a name the catalogue knows counts.
for _role in ("teacher_model", "reward_model", "ref_model", "prm_model", "reward_model_path", "sft_model_path"):
    MODEL_FLAGS["--" + _role] = MODEL_FLAGS["--" + _role.replace("_", "-")] = False
# ms-swift's --reward_model takes several models: --reward_model org/a org/b.
MULTI_VALUE_FLAGS = frozenset({"--reward_model", "--reward-model"})
# llama.cpp (llama-server, llama-cli): -hf org/m[:quant] downloads a GGUF repository; the
# quantisation tag is not part of the id.
TAGGED_FLAGS = ("-hf", "-hfr", "--hf-repo", "-hfd", "--hf-repo-draft", "-hfv", "--hf-repo-v")
MODEL_FLAGS.update(dict.fromkeys(TAGGED_FLAGS, True))
# Any other --<something>_model_name_or_path flag names a model (--controlnet_model_name_or_path),
# as FlagEmbedding's --embedder_name_or_path and --reranker_name_or_path do.
_FLAG_SUFFIXES = ("_model_name_or_path", "_tokenizer_name_or_path", "embedder_name_or_path",
                  "reranker_name_or_path")
# --<role>_model (whisperX's --diarize_model, --align_model) names one too, weakly, unless its role
# says it is written, uploaded or another provider's.
_ROLE_MODEL = re.compile(r"[a-z0-9]_model(?:_name)?$")  # cosmopedia's --base_model_name too
_NOT_ROLE = re.compile(r"output|save|push|upload|hub|dir|cache|openai|anthropic|azure|ollama|api|type|class|kind"
                       r"|version|num|max|min|size|use|enable|disable|freeze|train|load|eval|judge|served|display|alias")


def model_flag(flag: str) -> bool | None:
    """Whether a command-line flag takes a model: True (any ``org/name`` value counts), False (a
    bare name counts only if the catalogue knows it), None (not a model flag). A flag with a
    namespace is read by its dotted key (OpenRLHF's ``--actor.model_name_or_path``)."""
    if flag in MODEL_FLAGS:
        return MODEL_FLAGS[flag]
    if not flag.startswith("--"):
        return None
    if "." in flag:
        return dotted_model_key(flag[2:], model_flag)
    name = flag.lstrip("-").replace("-", "_").lower()
    if name.endswith(_FLAG_SUFFIXES):
        return True
    return False if _ROLE_MODEL.search(name) and not _NOT_ROLE.search(name) else None
