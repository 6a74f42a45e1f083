"""Configuration-shaped files that record data name no model the project loads, and Helm values'
argument lists are read as command words (catalog.scan.config_records, catalog.scan.containers)."""

from __future__ import annotations

import json
from pathlib import Path

from catalog.scan.discovery import scan


def found(tmp_path: Path, files: dict[str, str]) -> set[tuple[str, str, int, int]]:
    """(id, file, line, column) of every reference discovery reports in ``files``."""
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return {(r.repo_id, r.file, r.line, r.column) for r in scan([tmp_path]).references}


def test_a_file_in_a_snapshot_folder_is_a_recorded_output(tmp_path: Path) -> None:
    text = '{\n  "model_name_or_path": "acme/snap-model"\n}\n'
    refs = found(tmp_path, {"tests/__snapshots__/test_x/run.json": text, "tests/config/run.json": text})
    assert refs == {("acme/snap-model", "tests/config/run.json", 2, 25)}


def test_a_recorded_api_response_names_the_served_model_not_a_use(tmp_path: Path) -> None:
    chat = {"choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}}], "created": 1,
            "id": "", "model": "acme/served-chat", "object": "chat.completion", "usage": {"total_tokens": 3}}
    embeddings = {"data": [{"embedding": [0.1]}], "model": "acme/served-embedder", "object": "list",
                  "usage": {"prompt_tokens": 1}}
    stream = [dict(chat, object="chat.completion.chunk"), dict(chat, object="chat.completion.chunk")]
    refs = found(tmp_path, {
        "responses/chat.json": json.dumps(chat, indent=2),
        "responses/embed.json": json.dumps(embeddings, indent=2),
        "responses/stream.json": json.dumps(stream, indent=2),
        "server.json": '{\n  "model": "acme/loaded",\n  "port": 8080\n}\n',
    })
    assert refs == {("acme/loaded", "server.json", 2, 12)}


def test_a_request_body_names_the_server_model_but_a_job_config_is_a_use(tmp_path: Path) -> None:
    refs = found(tmp_path, {
        "chat_request.json": json.dumps({"model": "acme/asked", "temperature": 0.2,
                                         "messages": [{"role": "user", "content": "hi"}]}, indent=2),
        "embed_request.yaml": "model: acme/asked-embedder\ninput:\n  - hello\n",
        # a prompt and an output file: a generation job the tool runs, not a request body
        "generate.yaml": "model: acme/generator\nprompt: Write a poem\noutput: poems.jsonl\n",
    })
    assert refs == {("acme/generator", "generate.yaml", 1, 8)}


def test_a_table_of_benchmark_results_is_data_even_its_failed_rows(tmp_path: Path) -> None:
    rows = [{"backend": "transformers", "base_model": "acme/measured", "generate_time": 14.563165505727133},
            {"backend": "transformers", "base_model": "acme/measured-oom", "exception": "OOM"}]
    refs = found(tmp_path, {
        "benchmarks/results.json": json.dumps(rows, indent=2),
        "benchmarks/perf.json": "".join(json.dumps(row) + "\n" for row in rows),  # JSON Lines
        "benchmarks/results.yaml": "- base_model: acme/yaml-measured\n  latency_seconds: 1.2517\n"
                                   "- base_model: acme/yaml-measured-2\n  error: timeout\n",
    })
    assert refs == set()


def test_a_list_of_configurations_with_settings_is_still_configuration(tmp_path: Path) -> None:
    # A learning rate is a setting, max_time a limit and a round sleep_time typed by a person:
    # none is a measurement.
    runs = '[\n  {"base_model": "acme/sweep-a", "learning_rate": 0.0002},\n' \
           '  {"base_model": "acme/sweep-b", "max_time": 60.125}\n]\n'
    lines = '{"base_model": "acme/line-a", "lr": 0.1}\n{"base_model": "acme/line-b", "sleep_time": 0.5}\n'
    audio = "model: acme/whisper-like\nchunk_duration: 30.0\n"
    refs = found(tmp_path, {"sweep.json": runs, "runs.json": lines, "audio.yaml": audio})
    assert refs == {("acme/sweep-a", "sweep.json", 2, 18), ("acme/sweep-b", "sweep.json", 3, 18),
                    ("acme/line-a", "runs.json", 1, 16), ("acme/line-b", "runs.json", 2, 16),
                    ("acme/whisper-like", "audio.yaml", 1, 8)}


def test_a_run_record_with_metrics_is_data_a_metric_list_is_configuration(tmp_path: Path) -> None:
    record = {"metrics": [{"step": 1, "loss": 2.5}, {"step": 2, "loss": 2.25}],
              "model": "acme/reference-run", "source_kernel": "someone/kernel"}
    refs = found(tmp_path, {
        "references/run.json": json.dumps(record, indent=2),
        "eval.yaml": "model: acme/evaluated\nmetrics: [accuracy, f1]\n",
    })
    assert refs == {("acme/evaluated", "eval.yaml", 1, 8)}


def test_a_config_after_a_recorded_response_is_reported_where_it_is_written(tmp_path: Path) -> None:
    text = ('{\n  "recorded": {"model": "acme/same", "choices": [], "object": "chat.completion"},\n'
            '  "server": {"model": "acme/same"}\n}\n')
    assert found(tmp_path, {"fixture.json": text}) == {("acme/same", "fixture.json", 3, 23)}


def test_helm_values_argument_lists_are_command_words(tmp_path: Path) -> None:
    values = """vllm:
  containerArgs:
    - "--model"
    - acme/helm-model
    - "--tokenizer"
    - acme/helm-tokenizer
    - "--seed"
    - 1234
tgi:
  extra-args: ["--model-id", "acme/tgi-model"]
runner:
  # keyword arguments of a function, not a command line
  model_kwargs: ["--model", "acme/not-a-command"]
"""
    assert found(tmp_path, {"chart/values.yaml": values}) == {
        ("acme/helm-model", "chart/values.yaml", 4, 7),
        ("acme/helm-tokenizer", "chart/values.yaml", 6, 7),
        ("acme/tgi-model", "chart/values.yaml", 10, 31),
    }


def test_a_model_served_by_a_hosted_api_is_not_one_the_project_loads(tmp_path: Path) -> None:
    text = """judge:
  server_type: openai
  server_address: https://integrate.api.nvidia.com/v1
  model: meta/llama-3.3-70b-instruct
default_api:
  server_type: openai
  model: org/api-default
local:
  server_type: vllm
  server_address: http://localhost:5000/v1
  model: org/served-here
cluster:
  base_url: http://vllm-server:8000/v1
  model: org/in-cluster
answerability_filter:
  base_url: https://integrate.api.nvidia.com/v1
  model_name: org/nvidia-hosted
llms:
  main:
    _type: nim
    model_name: org/nim-hosted
"""
    (tmp_path / "eval.yaml").write_text(text)
    found = {(r.repo_id, r.line) for r in scan([tmp_path]).references}
    # A server on this machine or in the cluster (a bare host name) runs the model itself.
    assert found == {("org/served-here", 11), ("org/in-cluster", 14)}


def test_a_task_scripts_commands_are_read(tmp_path: Path) -> None:
    text = """envs:
  HF_TOKEN: null
setup: |
  pip install vllm
run: |
  vllm serve org/skypilot-served --tokenizer org/skypilot-tok
  python train.py --model_name_or_path org/skypilot-base
"""
    gitlab = """test:
  script:
    - hf download org/gitlab-model --local-dir /models
"""
    (tmp_path / "serve.yaml").write_text(text)
    (tmp_path / ".gitlab-ci.yml").write_text(gitlab)
    found = {(r.repo_id, r.file, r.line, r.column) for r in scan([tmp_path]).references}
    assert found == {("org/skypilot-served", "serve.yaml", 6, 14), ("org/skypilot-tok", "serve.yaml", 6, 46),
                     ("org/skypilot-base", "serve.yaml", 7, 40), ("org/gitlab-model", ".gitlab-ci.yml", 3, 19)}


def test_llm_model_keys_name_hub_models(tmp_path: Path) -> None:
    (tmp_path / "values.yaml").write_text("llm:\n  LLM_MODEL: org/llm-upper\n  llm_model: org/llm-lower\n"
                                          "  openai_model: gpt-4o\n")
    assert {(r.repo_id, r.line) for r in scan([tmp_path]).references} == {("org/llm-upper", 2), ("org/llm-lower", 3)}


def test_sglang_model_path_keys_name_models_not_folders(tmp_path: Path) -> None:
    (tmp_path / "models.yaml").write_text("- name: qwen3-8b\n  model_path: Qwen/Qwen3-8B\n"
                                          "- name: local\n  model_path: /data/models/local\n"
                                          "- name: rel\n  model_path: checkpoints/final\n")
    assert {(r.repo_id, r.line) for r in scan([tmp_path]).references} == {("Qwen/Qwen3-8B", 2)}
