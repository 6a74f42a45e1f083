"""Configuration-shaped files that record data instead of configuring anything.

JSON and YAML also store what a program saw or produced: a test's recorded output, the request
sent to an inference API and its answer, a benchmark's results. A model key in them names the
model a service answered with or a run was measured on, and nothing reads it back to load a
model, so :mod:`catalog.scan.config_files` reports nothing inside them:

- a file under a ``__snapshots__`` folder, where snapshot-testing tools (syrupy, Jest, Vitest)
  keep the outputs they compare against;
- an API exchange: a response (``choices``, or ``usage`` with ``object``: ``{"object":
  "chat.completion", "model": "org/m", "choices": [...]}``) or a request body made only of
  OpenAI-style request parameters with its payload (``{"model": "org/m", "input": [...]}``);
  a configuration that also says anything else (``output``, ``dataset``) is not a request body;
- a hosted API's settings: a model beside a remote server's address (``server_address:
  https://integrate.api.nvidia.com/v1``, ``base_url``, ``api_base``) or an API server type with
  no local address (``server_type: openai``): the provider runs that model under its API's terms;
- a record of results: a mapping holding a measurement (a float under a name such as
  ``generate_time``/``latency_seconds`` written to four significant digits or more, as a program
  prints what it measured and nobody types a setting, or ``metrics``/``results``/``scores`` made
  of numbers), and every mapping of a list in which one record holds one (a failed run's row has
  no timing).

Values are plain Python values (parsed JSON or TOML); a YAML node is read with :func:`plain`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

SNAPSHOT_FOLDER = "__snapshots__"
# A response of an OpenAI-compatible server (and of TGI, vLLM, Ollama's OpenAI API).
_RESPONSE_KEYS = ("choices",)
_USAGE_KEYS = ("usage", "object")
# The payload of a chat, completion or embeddings request, and the options such a request takes.
_PAYLOAD_KEYS = frozenset({"messages", "prompt", "input"})
_REQUEST_KEYS = _PAYLOAD_KEYS | frozenset(
    {"model", "max_tokens", "max_completion_tokens", "max_new_tokens", "temperature", "top_p", "top_k", "min_p",
     "n", "stream", "stream_options", "stop", "seed", "presence_penalty", "frequency_penalty",
     "repetition_penalty", "logprobs", "top_logprobs", "logit_bias", "user", "response_format", "tools",
     "tool_choice", "parallel_tool_calls", "encoding_format", "dimensions", "suffix", "echo", "best_of",
     "truncate", "normalize", "modalities", "extra_body"}
)
# A hosted API: its address, or its kind; a server on this machine (localhost) runs the model itself.
_ADDRESS_KEYS = ("server_address", "base_url", "api_base", "api_url", "endpoint", "openai_api_base")
_API_TYPE_KEYS = ("server_type", "api_type", "_type", "engine")
_API_TYPES = frozenset({"openai", "azure", "azure_openai", "anthropic", "gemini", "bedrock", "mistral", "cohere",
                        "nim", "nvidia"})  # NVIDIA's hosted endpoints (`_type: nim`, `engine: nim`)
_HOSTED_MODEL_KEYS = ("model", "model_name", "model_id")
_LOCAL_HOSTS = re.compile(r"https?://(?:localhost|127\.|0\.0\.0\.0|\[::1\]|10\.|192\.168\.|172\.(?:1[6-9]|2\d|3[01])\."
                          r"|[^/:]*\.local\b|[^/.:]+(?:[:/]|$))")
# Names of measured quantities; a limit (max_time, min_latency) is a setting, not a measurement,
# and so is a round number (sleep_time: 0.5, chunk_duration: 30.0).
_MEASURED = re.compile(r"(?:^|_)(?:time|seconds|secs|latency|throughput|per_second|per_sec|duration|elapsed)$")
_LIMIT = re.compile(r"^(?:max|min|timeout|limit)_")
_RESULT_KEYS = frozenset({"metrics", "results", "scores", "measurements"})
# How much of a YAML node :func:`plain` reads: enough for the tests above, bounded on any input.
_PLAIN_DEPTH = 3
_PLAIN_ITEMS = 50


def is_snapshot(file: str) -> bool:
    """Whether ``file`` (as reported, ``/``-separated) lies in a snapshot-testing folder."""
    return SNAPSHOT_FOLDER in file.replace("\\", "/").split("/")


def records_data(fields: Mapping[str, Any]) -> bool:
    """Whether a mapping (keys in snake_case) is an API exchange or a record of results."""
    return _exchange(fields) or _measured(fields)


def record_list(items: list[Any], normal: Callable[[object], str]) -> bool:
    """Whether a list is a table of result records: two mappings or more, one holding a measurement.

    ``normal`` turns a key into snake_case (the configuration scanner's own reading).
    """
    mappings = [item for item in items[:_PLAIN_ITEMS] if isinstance(item, Mapping)]
    return len(mappings) > 1 and any(_measured({normal(k): v for k, v in m.items()}) for m in mappings)


def yaml_records_data(node: Any, normal: Callable[[object], str]) -> bool:
    """:func:`records_data` for a YAML mapping node (read as a plain value only if a key could tell)."""
    keys = [normal(key.value) for key, _ in node.value]
    if not any(key in _HOSTED_MODEL_KEYS or key in _RESULT_KEYS or _MEASURED.search(key) for key in keys):
        return False
    return records_data({normal(key): value for key, value in plain(node).items()})


def yaml_record_list(node: Any, normal: Callable[[object], str]) -> bool:
    """:func:`record_list` for a YAML sequence node."""
    import yaml  # loaded already: only a YAML file's walk calls this

    mappings = [item for item in node.value[:_PLAIN_ITEMS] if isinstance(item, yaml.MappingNode)]
    return len(mappings) > 1 and record_list([plain(item) for item in mappings], normal)


def json_lines(text: str) -> list[Any] | None:
    """The records of a JSON Lines file (one JSON value a line, as benchmark logs are appended), or
    None if a line does not parse (then the file is neither JSON nor JSON Lines)."""
    try:
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    except (ValueError, RecursionError):
        return None


def _exchange(fields: Mapping[str, Any]) -> bool:
    if not any(key in fields for key in _HOSTED_MODEL_KEYS):
        return False
    addresses = [v for k in _ADDRESS_KEYS if isinstance(v := fields.get(k), str) and v.startswith("http")]
    if any(not _LOCAL_HOSTS.match(address) for address in addresses):
        return True
    if not addresses and any(str(fields.get(key, "")).lower() in _API_TYPES for key in _API_TYPE_KEYS):
        return True
    if "model" not in fields:
        return False
    if any(key in fields for key in _RESPONSE_KEYS) or all(key in fields for key in _USAGE_KEYS):
        return True
    return any(key in fields for key in _PAYLOAD_KEYS) and all(key in _REQUEST_KEYS for key in fields)


def _measured(fields: Mapping[str, Any]) -> bool:
    for key, value in fields.items():
        if isinstance(value, float) and _MEASURED.search(key) and not _LIMIT.match(key) and _printed(value):
            return True
        if key in _RESULT_KEYS and _numbers(value):
            return True
    return False


def _printed(value: float) -> bool:
    """Whether a float has four significant digits or more (14.563165505727133, not 30.0 or 0.25)."""
    return len(repr(abs(value)).partition("e")[0].replace(".", "").strip("0")) >= 4


def _numbers(value: Any) -> bool:
    """A mapping of numbers, or a non-empty list of them (``[{"step": 1, "loss": 2.3}, ...]``)."""
    rows = value[:_PLAIN_ITEMS] if isinstance(value, list) else [value]
    return bool(rows) and all(
        isinstance(row, Mapping) and row
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in row.values())
        for row in rows
    )


def plain(node: Any, depth: int = 0) -> Any:
    """A YAML node as the plain value the tests above need: scalars typed by their resolved tag,
    at most :data:`_PLAIN_DEPTH` levels and :data:`_PLAIN_ITEMS` items of each collection read."""
    import yaml  # loaded already: only a YAML file's walk calls this

    if isinstance(node, yaml.ScalarNode):
        return _scalar(node.tag, str(node.value))
    if depth >= _PLAIN_DEPTH:
        return None
    if isinstance(node, yaml.SequenceNode):
        return [plain(item, depth + 1) for item in node.value[:_PLAIN_ITEMS]]
    if isinstance(node, yaml.MappingNode):
        return {str(k.value): plain(v, depth + 1) for k, v in node.value[:_PLAIN_ITEMS]
                if isinstance(k, yaml.ScalarNode)}
    return None


def _scalar(tag: str, text: str) -> Any:
    kind = tag.rpartition(":")[2]
    try:
        if kind == "float":
            return float(text.replace("_", ""))
        if kind == "int":
            return int(text.replace("_", ""), 0)
    except ValueError:  # YAML 1.1 forms Python does not read (sexagesimal 1:30, .inf): not a measurement
        return text
    if kind == "bool":
        return text.lower() in ("true", "yes", "on", "y")
    return None if kind == "null" else text
