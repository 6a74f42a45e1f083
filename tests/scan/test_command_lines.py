"""Command-line shapes of RLHF and Hydra trainers: dotted overrides (verl), role-namespaced flags
(OpenRLHF), the other models of a trainer (ms-swift, TRL), comments inside a bash array, quoted
defaults, and a download fed by a variable of the file. Each rule has a case that must be found
at its file:line:column and one that must not be."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from catalog.scan.discovery import scan

Found = set[tuple[str, str, int, int]]


def _found(tmp_path: Path, files: dict[str, str], known: Callable[[str], bool] | None = None) -> Found:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return {(r.repo_id, r.file, r.line, r.column) for r in scan([tmp_path], known_ids=known).references}


def test_hydra_overrides_that_name_a_model_are_references(tmp_path: Path) -> None:
    script = """python3 -m verl.trainer.main_ppo \\
    data.train_files=$HOME/data/gsm8k/train.parquet \\
    actor_rollout_ref.model.path=Qwen/Qwen2.5-0.5B-Instruct \\
    critic.model.path="org/critic-1b" \\
    reward_model.model.path=org/rm-8b \\
    +model.tokenizer_path=org/tok \\
    model.partial_pretrain=org/sft-base
"""
    assert _found(tmp_path, {"run.sh": script}) == {
        ("Qwen/Qwen2.5-0.5B-Instruct", "run.sh", 3, 34),
        ("org/critic-1b", "run.sh", 4, 24),
        ("org/rm-8b", "run.sh", 5, 29),
        ("org/tok", "run.sh", 6, 27),
        ("org/sft-base", "run.sh", 7, 28),
    }


def test_hydra_overrides_of_settings_paths_and_outputs_are_not(tmp_path: Path) -> None:
    script = """python3 -m verl.trainer.main_ppo \\
    data.path=org/dataset \\
    custom_reward_function.path=org/reward.py \\
    actor_rollout_ref.model.lora.target=org/modules \\
    trainer.experiment_name=org/run \\
    actor_rollout_ref.model.path="$HOME/models/Qwen2.5-3B-Instruct" \\
    critic.model.path=checkpoints/critic \\
    trainer.hub_model_id=org/trained
# actor_rollout_ref.model.path=org/commented-out
"""
    assert _found(tmp_path, {"run.sh": script}) == set()


def test_a_namespaced_flag_is_read_by_its_last_segment(tmp_path: Path) -> None:
    script = """python -m openrlhf.cli.train_ppo_ray \\
   --actor.model_name_or_path org/actor-8b \\
   --reward.model_name_or_path=org/rm-8b \\
   --data.dataset org/prompts \\
   --eval.dataset org/eval-set
"""
    assert _found(tmp_path, {"train.sh": script}) == {
        ("org/actor-8b", "train.sh", 2, 31),
        ("org/rm-8b", "train.sh", 3, 32),
    }


def test_the_other_models_of_a_trainer_are_references(tmp_path: Path) -> None:
    script = """swift rlhf --rlhf_type gkd --model org/student-1b \\
    --teacher_model org/teacher-8b \\
    --reward_model org/rm-a org/rm-b --beta 0.1 \\
    --ref_model org/ref \\
    --prm_model org/prm
"""
    assert _found(tmp_path, {"gkd.sh": script}) == {
        ("org/student-1b", "gkd.sh", 1, 36),
        ("org/teacher-8b", "gkd.sh", 2, 21),
        ("org/rm-a", "gkd.sh", 3, 20),
        ("org/rm-b", "gkd.sh", 3, 29),
        ("org/ref", "gkd.sh", 4, 17),
        ("org/prm", "gkd.sh", 5, 17),
    }


def test_a_bare_name_after_a_trainer_model_flag_needs_the_catalogue(tmp_path: Path) -> None:
    # ms-swift's --orm_model math names a reward function, and a bare --reward_model may be a plugin.
    script = "swift rlhf --reward_model my_plugin --orm_model math --teacher_model gpt2-large train.py\n"
    assert _found(tmp_path, {"gkd.sh": script}) == set()
    assert _found(tmp_path, {"gkd.sh": script}, known=lambda name: name == "gpt2-large") == {
        ("gpt2-large", "gkd.sh", 1, 70)
    }


def test_a_comment_inside_a_bash_array_is_not_read_as_values(tmp_path: Path) -> None:
    script = """MODEL=(
    actor_rollout_ref.model.path=Qwen/Qwen2-7B-Instruct
    actor_rollout_ref.model.lora.rank=64
    # Optional: use canonical LoRA, or "org/in-comment"
    "org/listed" # the second model
)
python3 -m verl.trainer.main_ppo "${MODEL[@]}"
"""
    found = _found(tmp_path, {"train.sh": script}, known=lambda name: name in ("LoRA", "use", "second"))
    assert found == {("Qwen/Qwen2-7B-Instruct", "train.sh", 2, 34), ("org/listed", "train.sh", 5, 6)}


def test_a_quoted_environment_default_is_read_like_an_unquoted_one(tmp_path: Path) -> None:
    script = """MODEL_PATH=${MODEL_PATH:-"Qwen/Qwen2.5-7B"}
TOKENIZER=${TOKENIZER:-'org/tok'}
DATA_MODEL=${DATA_MODEL:-"${RAY_DATA_HOME}/models/Qwen2.5-Math-7B"}
python3 -m verl.trainer.main_ppo actor_rollout_ref.model.path="${MODEL_PATH}"
"""
    # Single quotes too; a default built from another variable is a local path, not a model.
    assert _found(tmp_path, {"run.sh": script}) == {("Qwen/Qwen2.5-7B", "run.sh", 1, 27), ("org/tok", "run.sh", 2, 25)}


def test_a_download_of_a_variable_names_the_value_the_file_sets(tmp_path: Path) -> None:
    workflow = """on: push
jobs:
  smoke:
    runs-on: ubuntu-latest
    env:
      GGUF_REPO: org/m-GGUF
    steps:
      - run: |
          echo "CHAT_REPO=org/chat-GGUF" >> "$GITHUB_ENV"
      - run: |
          hf download "$GGUF_REPO" model.gguf
          huggingface-cli download ${CHAT_REPO} chat.gguf --local-dir /tmp/c
"""
    script = """REPO=org/weights
huggingface-cli download $REPO --local-dir w
"""
    assert _found(tmp_path, {".github/workflows/smoke.yml": workflow, "dl.sh": script}) == {
        ("org/m-GGUF", ".github/workflows/smoke.yml", 6, 18),
        ("org/chat-GGUF", ".github/workflows/smoke.yml", 9, 27),
        ("org/weights", "dl.sh", 1, 6),
    }


def test_a_variable_that_is_not_downloaded_or_not_a_model_is_not_a_reference(tmp_path: Path) -> None:
    script = """REPO=org/weights
DATASET=org/data
OUT=$1
echo "$REPO"
hf download "$DATASET" --repo-type dataset
hf download "$OUT" model.gguf
hf download "$UNSET" model.gguf
"""
    assert _found(tmp_path, {"dl.sh": script}) == set()


def test_more_model_flags_and_overrides(tmp_path: Path) -> None:
    script = """deepspeed llava/train.py --vision_tower openai/clip-vit-large-patch14-336 --model_name_or_path org/llm
python -m sglang.launch_server --model-path org/target --speculative-draft-model-path org/draft
ns eval ++tokenizer=org/tok ++max_tokens=512 ++prompt_config=generic/math
lerobot-eval --policy.path=lerobot/smolvla_base --policy.repo_id=me/pushed-policy --env.type=libero
RUN python -c "from huggingface_hub import snapshot_download; snapshot_download(repo_id='org/assets', repo_type='dataset')"
"""
    assert {(r[0], r[2]) for r in _found(tmp_path, {"run.sh": script})} == {
        ("openai/clip-vit-large-patch14-336", 1), ("org/llm", 1), ("org/target", 2), ("org/draft", 2),
        ("org/tok", 3), ("lerobot/smolvla_base", 4)}


def test_an_array_only_tested_for_membership_names_no_model_run(tmp_path: Path) -> None:
    script = """SUPPORTED_MODELS=( "org/listed" "gpt-4o" )
if [[ " ${SUPPORTED_MODELS[*]} " =~ " ${MODEL} " ]]; then echo ok; fi
EVAL_MODELS=( "org/evaluated" )
for m in "${EVAL_MODELS[@]}"; do lm_eval --model hf --model_args pretrained=$m; done
"""
    assert {(r[0], r[2]) for r in _found(tmp_path, {"run.sh": script})} == {("org/evaluated", 3)}


def test_hydra_overrides_in_a_python_command_string(tmp_path: Path) -> None:
    code = """import subprocess
subprocess.run("python -m verl.trainer.main_ppo actor_rollout_ref.model.path=org/actor data.path=x", shell=True)
subprocess.run(["ns", "eval", "++tokenizer=org/tok"])
"""
    assert {(r[0], r[2]) for r in _found(tmp_path, {"train.py": code})} == {("org/actor", 2), ("org/tok", 3)}


def test_torchtunes_download_command(tmp_path: Path) -> None:
    script = """tune download meta-llama/Meta-Llama-3-8B-Instruct --output-dir /tmp/llama3 --hf-token $HF_TOKEN
tune download --source kaggle google/gemma/keras/gemma_2b_en
tune run lora_finetune_single_device --config llama3/8B_lora_single_device
"""
    assert {(r[0], r[2], r[3]) for r in _found(tmp_path, {"fetch.sh": script})} == {
        ("meta-llama/Meta-Llama-3-8B-Instruct", 1, 15)}
