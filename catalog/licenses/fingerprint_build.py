"""Build ``data/fingerprints.json`` from license texts under ``shared/hub-data``.

Only hashes of word runs and the sha256 of each text are written: several of these texts (the
Llama and Qwen agreements, the RAIL family) may not be copied on their own, so no text enters
the repository. Each reference records the repository, commit and path it was read from
(``shared/hub-data/SOURCES.md`` has the origins).

    python -m catalog.licenses.fingerprint_build --shared ../shared
"""

from __future__ import annotations

import argparse
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from catalog.licenses.fingerprint import FINGERPRINT_SCHEMA, SHINGLE, encode_hashes, normalise, shingles
from catalog.resources import data_path

_LLAMA = "meta-llama/llama-models @ a9c89c47 models/{dir}/{file}"
_MODELGO = "Xtra-Computing/ModelGo @ efe34fe9 license_raw/{file}"
_QWEN = ("huggingface/transformers @ f092c38c examples/pytorch/torchacc/qwen/Qwen1.5-7B/LICENSE "
         "(Alibaba's Tongyi Qianwen license agreement)")

# Why a text may or may not be stored on its own: permissive, copyleft and Creative Commons texts
# say (or their stewards do) that the text may be copied verbatim; the model agreements below
# grant rights to their materials, not to republish the agreement apart from them.
_COPYABLE = "the license text may be copied verbatim"
_NOT_COPYABLE = "the agreement grants no right to copy its text apart from the materials it covers"

_LLAMA_DIRS = {"llama2": "llama2", "llama3": "llama3", "llama3_1": "llama3.1", "llama3_2": "llama3.2",
               "llama3_3": "llama3.3", "llama4": "llama4"}
# ModelGo file stem -> knowledge-base id (None: a text the knowledge base has no entry for).
_MODELGO_IDS: dict[str, str | None] = {
    "AFL-3.0": "afl-3.0", "AGPL-3.0": "agpl-3.0", "Apache-2.0": "apache-2.0", "Artistic-3.0": None,
    "BSD-2-Clause": "bsd-2-clause", "BSD-3-Clause-Clear": "bsd-3-clause-clear", "BSD-3-Clause": "bsd-3-clause",
    "BigScience-BLOOM-OpenRAIL-M": "bigscience-openrail-m", "BigScience-BLOOM-RAIL-1.0": "bigscience-bloom-rail-1.0",
    "CC-BY-4.0": "cc-by-4.0", "CC-BY-NC-4.0": "cc-by-nc-4.0", "CC-BY-NC-ND-4.0": "cc-by-nc-nd-4.0",
    "CC-BY-ND-4.0": "cc-by-nd-4.0", "CC-BY-SA-3.0": "cc-by-sa-3.0", "CC-BY-SA-4.0": "cc-by-sa-4.0",
    "CC0-1.0": "cc0-1.0", "CreativeML-OpenRAIL-M": "creativeml-openrail-m", "ECL-2.0": "ecl-2.0",
    "GFDL": "gfdl", "GPL-3.0": "gpl-3.0", "LGPL-2.1": "lgpl-2.1", "LGPL-3.0": "lgpl-3.0", "LGPL-LR": "lgpl-lr",
    "Llama2": "llama2", "MIT": "mit", "OPT-175B": None, "OSL-3.0": "osl-3.0", "OpenRAIL++": "openrail++",
    "PDDL": "pddl", "SEER": None, "Unlicense": "unlicense", "WTFPL-2.0": "wtfpl",
}
_MODELGO_NOT_COPYABLE = {"BigScience-BLOOM-OpenRAIL-M", "BigScience-BLOOM-RAIL-1.0", "CreativeML-OpenRAIL-M",
                         "Llama2", "OPT-175B", "OpenRAIL++", "SEER"}


@dataclass(frozen=True)
class SourceText:
    """One license text to fingerprint, read from ``shared/hub-data``."""

    name: str
    license_id: str | None
    source: str
    path: Path
    redistributable: bool


def source_texts(shared: Path) -> list[SourceText]:
    """Every license text under ``shared/hub-data`` that the fingerprints are built from."""
    hub_data = Path(shared) / "hub-data"
    texts = []
    for folder, license_id in _LLAMA_DIRS.items():
        for file in ("LICENSE", "USE_POLICY.md"):
            path = hub_data / "meta-llama_llama-models" / folder / file
            texts.append(SourceText(f"{folder}/{file}", license_id, _LLAMA.format(dir=folder, file=file), path,
                                    False))
    for path in sorted((hub_data / "modelgo" / "license_raw").iterdir()):
        stem = path.stem
        if stem not in _MODELGO_IDS:
            raise ValueError(f"{path}: no knowledge-base id recorded for this ModelGo text; add it to _MODELGO_IDS")
        texts.append(SourceText(f"modelgo/{path.name}", _MODELGO_IDS[stem], _MODELGO.format(file=path.name), path,
                                stem not in _MODELGO_NOT_COPYABLE))
    qwen = hub_data / "model-cards" / "huggingface_transformers_torchacc" / "Qwen__Qwen1.5-7B" / "LICENSE"
    texts.append(SourceText("qwen/tongyi-qianwen LICENSE", "tongyi-qianwen", _QWEN, qwen, False))
    return texts


def build(shared: Path) -> dict[str, object]:
    """The fingerprint document for the texts under ``shared``."""
    references = []
    for text in source_texts(shared):
        content = text.path.read_text(encoding="utf-8")
        references.append({
            "name": text.name,
            "license_id": text.license_id,
            "source": text.source,
            "text_sha256": hashlib.sha256(content.encode()).hexdigest(),
            "redistributable": text.redistributable,
            "terms": _COPYABLE if text.redistributable else _NOT_COPYABLE,
            "hashes": encode_hashes(set(shingles(normalise(content)))),
        })
    return {"schema": FINGERPRINT_SCHEMA, "shingle": SHINGLE,
            "note": "hashes of normalised 5-word runs; no license text is stored (see catalog/licenses/fingerprint.py)",
            "references": references}


def main(argv: list[str] | None = None) -> None:
    """Command line: rebuild the shipped fingerprint file from a ``shared`` folder."""
    parser = argparse.ArgumentParser(prog="python -m catalog.licenses.fingerprint_build", description=__doc__)
    parser.add_argument("--shared", type=Path, required=True, help="folder that holds hub-data/")
    parser.add_argument("--out", type=Path, default=data_path("licenses", "fingerprints.json"))
    args = parser.parse_args(argv)
    document = build(args.shared)
    args.out.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    print(f"{len(document['references'])} references written to {args.out}")  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
