"""License texts for the demo's Hub, read at run time from a ``shared`` folder, never bundled.

The demo snapshot's Meta Llama models list ``LICENSE`` and ``USE_POLICY.md``; the texts are in
``shared/hub-data/meta-llama_llama-models`` (meta-llama/llama-models @ a9c89c47). The Llama
agreements grant no right to copy their text apart from the materials they cover, so the
repository does not hold them: ``catalog demo --shared ../shared`` serves them from there, and
without it the demo's license-file pass finds the files listed but not on the Hub.
"""

from __future__ import annotations

from pathlib import Path

from catalog.hubsim.store import HubStore

# The card's license id -> the folder of meta-llama/llama-models holding its texts.
LLAMA_FOLDERS = {"llama2": "llama2", "llama3": "llama3", "llama3.1": "llama3_1", "llama3.2": "llama3_2",
                 "llama3.3": "llama3_3", "llama4": "llama4"}


def attach_license_texts(store: HubStore, shared: Path) -> list[str]:
    """Give each Meta Llama model of ``store`` the texts of its declared license; returns the files given."""
    folder = Path(shared) / "hub-data" / "meta-llama_llama-models"
    given = []
    for repo_id in store:
        if not repo_id.startswith("meta-llama/"):
            continue
        model = store.peek(repo_id) or {}
        card = model.get("cardData") if isinstance(model.get("cardData"), dict) else {}
        texts = folder / LLAMA_FOLDERS.get(str(card.get("license")), "-")
        listed = {s.get("rfilename") for s in model.get("siblings", []) if isinstance(s, dict)}
        for name in ("LICENSE", "USE_POLICY.md"):
            if name in listed and (texts / name).is_file():
                store.put_file(repo_id, name, (texts / name).read_bytes())
                given.append(f"{repo_id}/{name}")
    return given
