"""Synthetic Hub model lists, in the ``GET /api/models/{id}`` shape, for benchmarks.

The models are invented. Their field distributions follow real data:

- Licence mix: the sum of the Open LLM Leaderboard v1/v2 and 2022 full-list counts in
  ``shared/hub-data/REPORT.md`` section 3. It includes missing and ``other`` licences and
  the garbage values seen in real cards.
- Parameter counts: a quarter-decade histogram of the 6,107 positive counts in the leaderboard
  v2 export and llmfit's list.
- Authors: Zipf-like; a handful of real heavy uploaders come first.

The generator streams. It keeps only a bounded ring of recent ids, which base-model
relations point into, so 1M models cost no more memory than 1,000::

    python tests/benchmarks/corpus.py 1000000 /tmp/corpus-1M.jsonl.gz
"""

from __future__ import annotations

import bisect
import random
import sys
import time
from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Any


class _Table:
    """Weighted choice in O(log n) with one random draw (``random.choices`` is much slower)."""

    def __init__(self, pairs: Sequence[tuple[Any, float]]) -> None:
        self.values = [v for v, _ in pairs]
        self.cum = list(accumulate(w for _, w in pairs))
        self.total = self.cum[-1]

    def pick(self, rnd: float) -> Any:
        return self.values[bisect.bisect_right(self.cum, rnd * self.total)]


# REPORT.md section 3: leaderboard v2 + v1 + 2022 list, summed ("" is an empty card value).
_LICENCES = _Table(
    [
        (None, 1736 + 1692 + 21934),
        ("apache-2.0", 1455 + 2591 + 5532),
        ("mit", 278 + 413 + 1070),
        ("other", 291 + 666 + 8),
        ("cc-by-nc-4.0", 120 + 538 + 52),
        ("llama2", 25 + 392),
        ("cc-by-4.0", 69 + 340),
        ("cc-by-sa-4.0", 176),
        ("llama3", 112 + 129),
        ("llama3.1", 171),
        ("gemma", 120 + 21),
        ("llama3.2", 118),
        ("cc-by-nc-sa-4.0", 56 + 62),
        ("gpl-3.0", 9 + 70),
        ("cc0-1.0", 52),
        ("cc-by-nc-nd-4.0", 38),
        ("bigscience-bloom-rail-1.0", 5 + 17),
        ("creativeml-openrail-m", 15),
        ("bigcode-openrail-m", 3 + 14),
        ("bigscience-openrail-m", 14),
        ("gpl", 24),
        ("agpl-3.0", 22),
        ("afl-3.0", 18),
        ("llama3.3", 10),
        # Odd values real cards carry (REPORT.md: "???", "apache-2", upper case, lists, free text).
        ("???", 4),
        ("apache-2", 4),
        ("MIT", 6),
        ("CC-BY-SA-4.0", 3),
        (("cc0-1.0",), 3),
        ("Academic Free License v3.0", 2),
        ("BSD-3", 2),
        ("", 8),
        ("unknown", 18),
    ]
)
_OTHER_NAMES = (
    ("llama-2-community-license", "https://ai.meta.com/llama/license/"),
    ("llama-license", None),
    ("tongyi-qianwen", "LICENSE"),
    ("deepseek-license", "LICENSE"),
    ("coqui-public-model-license", "https://coqui.ai/cpml"),
)
# log10(parameters) in quarter decades -> number of real models in that bin.
_PARAM_BINS = _Table(
    [
        (5.0, 12),
        (5.75, 2),
        (6.0, 8),
        (6.25, 3),
        (6.5, 10),
        (6.75, 8),
        (7.0, 4),
        (7.25, 9),
        (7.5, 18),
        (7.75, 7),
        (8.0, 53),
        (8.25, 77),
        (8.5, 81),
        (8.75, 299),
        (9.0, 216),
        (9.25, 314),
        (9.5, 583),
        (9.75, 635),
        (10.0, 2244),
        (10.25, 737),
        (10.5, 411),
        (10.75, 202),
        (11.0, 73),
        (11.25, 40),
        (11.5, 27),
        (11.75, 17),
        (12.0, 15),
    ]
)
_PIPELINES = _Table(
    [
        ("text-generation", 40),
        (None, 15),
        ("text-classification", 10),
        ("fill-mask", 5),
        ("token-classification", 5),
        ("automatic-speech-recognition", 4),
        ("text2text-generation", 4),
        ("feature-extraction", 4),
        ("image-classification", 3),
        ("text-to-image", 3),
        ("sentence-similarity", 3),
        ("image-text-to-text", 2),
        ("translation", 2),
    ]
)
_LIBRARIES = _Table(
    [
        ("transformers", 60),
        (None, 12),
        ("peft", 8),
        ("gguf", 6),
        ("diffusers", 4),
        ("sentence-transformers", 4),
        ("mlx", 2),
        ("timm", 2),
        ("pytorch", 2),
    ]
)
_RELATIONS = _Table([("finetune", 55), ("quantized", 20), ("adapter", 15), ("merge", 10)])
# Weight files: safetensors, pickle (.bin), both, gguf, or no file list at all.
_FORMATS = _Table([("safetensors", 55), ("pickle", 18), ("both", 10), ("gguf", 10), (None, 7)])
_FAMILIES = (
    "llama",
    "mistral",
    "qwen2.5",
    "gemma",
    "phi",
    "bert",
    "roberta",
    "t5",
    "gpt2",
    "falcon",
    "bloom",
    "deberta",
    "whisper",
    "vit",
    "stable-diffusion",
    "mixtral",
    "yi",
    "olmo",
    "smollm",
)
_SUFFIXES = ("", "-instruct", "-chat", "-base", "-sft", "-dpo", "-v0.1", "-v2", "-GGUF", "-lora", "-merged")
# Real heavy uploaders take the top Zipf ranks; the long tail gets generated user names.
_TOP_AUTHORS = (
    "mradermacher",
    "TheBloke",
    "bartowski",
    "unsloth",
    "Qwen",
    "google",
    "meta-llama",
    "microsoft",
    "facebook",
    "mistralai",
    "sentence-transformers",
    "stabilityai",
)
_AUTHORS = 200_000
_RING = 8192
_START = date(2021, 1, 1)
_DAYS = [(_START + timedelta(days=d)).isoformat() + "T" for d in range((date(2025, 7, 1) - _START).days)]
_CLOCK = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}.000Z" for s in range(86400)]


def _params(rng: random.Random) -> int:
    low = _PARAM_BINS.pick(rng.random())
    return int(10 ** (low - 0.125 + 0.25 * rng.random()))


def _size(params: int) -> str:
    return f"{params / 1e9:.3g}B" if params >= 1e9 else f"{params / 1e6:.0f}M"


def _licence(rng: random.Random, tags: list[str], card: dict[str, Any]) -> None:
    value = _LICENCES.pick(rng.random())
    if value is None:
        return
    card["license"] = list(value) if isinstance(value, tuple) else value
    for item in card["license"] if isinstance(value, tuple) else (value,):
        if item and " " not in item:
            tags.append(f"license:{item.lower()}")
    if value == "other" and rng.random() < 0.6:
        name, link = _OTHER_NAMES[int(rng.random() * len(_OTHER_NAMES))]
        card["license_name"] = name
        if link:
            card["license_link"] = link


def _files(fmt: str | None, stem: str, params: int, rng: random.Random) -> list[dict[str, str]]:
    names = [".gitattributes", "README.md", "config.json"]
    shards = max(1, params // 5_000_000_000)
    if fmt in ("safetensors", "both"):
        names += (
            ["model.safetensors"]
            if shards == 1
            else [f"model-{k:05d}-of-{shards:05d}.safetensors" for k in range(1, min(shards, 30) + 1)]
        )
    if fmt in ("pickle", "both"):
        names.append("pytorch_model.bin")
    if fmt == "gguf":
        names += [f"{stem}.{q}.gguf" for q in ("Q4_K_M", "Q8_0")[: 1 + int(rng.random() * 2)]]
    return [{"rfilename": n} for n in names]


def generate(n: int, seed: int = 0) -> Iterator[dict[str, Any]]:
    """Yield ``n`` synthetic models with unique ids; the same ``(n, seed)`` gives the same models."""
    rng = random.Random(seed)
    ring: list[str] = []
    for i in range(n):
        r = rng.random
        rank = int(_AUTHORS ** r())  # P(rank) ~ 1/rank: Zipf-like
        author = _TOP_AUTHORS[rank - 1] if rank <= len(_TOP_AUTHORS) else f"user{rank:x}"
        params = _params(rng)
        family = _FAMILIES[int(r() * len(_FAMILIES))]
        stem = f"{family}-{_size(params)}" if r() < 0.6 else family
        stem += _SUFFIXES[int(r() * len(_SUFFIXES))]
        repo_id = f"{author}/{stem}-{i:x}"
        pipeline, library = _PIPELINES.pick(r()), _LIBRARIES.pick(r())
        tags = [t for t in (library, pipeline) if t]
        card: dict[str, Any] = {}
        _licence(rng, tags, card)
        if ring and r() < 0.35:
            relation = _RELATIONS.pick(r())
            bases = [ring[int(r() * len(ring))] for _ in range(2 if relation == "merge" else 1)]
            for base in bases:
                tags += [f"base_model:{base}", f"base_model:{relation}:{base}"]
            card["base_model"] = bases if relation == "merge" else bases[0]
        tags.append("region:us")
        created, created_at = int(r() * len(_DAYS)), int(r() * 86400)
        modified = created + int(r() * (len(_DAYS) - created))
        modified_at = int(r() * 86400) if modified > created else created_at
        model: dict[str, Any] = {
            "_id": f"{seed & 0xFFFFFFFF:08x}{i:016x}",
            "id": repo_id,
            "private": False,
            "pipeline_tag": pipeline,
            "library_name": library,
            "tags": tags,
            # Pareto counters: most models have a handful, one in a million has 1e8 downloads.
            "downloads": min(int((1.0 - r()) ** -1.33) - 1, 10**9),
            "likes": min(int((1.0 - r()) ** -0.75) - 1, 10**6),
            "modelId": repo_id,
            "author": author,
            "sha": f"{rng.getrandbits(160):040x}",
            "lastModified": _DAYS[modified] + _CLOCK[modified_at],
            "gated": "manual" if r() < 0.04 else "auto" if r() < 0.01 else False,
            "disabled": False,
        }
        if not card and r() < 0.5:  # a card whose metadata says nothing about licence or base
            card["language"] = ["en"]
        if card:
            model["cardData"] = card
        fmt = _FORMATS.pick(r())
        if fmt is not None:
            model["siblings"] = _files(fmt, stem, params, rng)
        model["createdAt"] = _DAYS[created] + _CLOCK[created_at]
        roll = r()
        if fmt == "gguf":
            model["gguf"] = {"total": params, "architecture": family, "context_length": 4096}
        elif roll < 0.002:  # the leaderboard's odd 0 and -1B totals
            odd = 0 if roll < 0.001 else -1_000_000_000
            model["safetensors"] = {"parameters": {"BF16": odd}, "total": odd}
        elif fmt in ("safetensors", "both") and roll < 0.85:
            model["safetensors"] = {"parameters": {"BF16": params}, "total": params}
        if len(ring) < _RING:
            ring.append(repo_id)
        else:
            ring[i % _RING] = repo_id
        yield model


def main(argv: list[str]) -> int:
    """``corpus.py N OUT.jsonl.gz [SEED]``: write N models as gzip-compressed JSON lines."""
    if len(argv) not in (2, 3):
        print(__doc__.rsplit("\n\n", 1)[-1].strip(), file=sys.stderr)
        return 2
    from catalog.hubsim.snapshot import write_snapshot

    n, out, seed = int(argv[0]), Path(argv[1]), int(argv[2]) if len(argv) == 3 else 0
    started = time.perf_counter()
    write_snapshot(generate(n, seed), out)
    elapsed = time.perf_counter() - started
    print(
        f"wrote {n:,} models to {out} ({out.stat().st_size:,} bytes) in {elapsed:.1f}s, "
        f"{n / elapsed:,.0f} models/s including JSON and gzip",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
