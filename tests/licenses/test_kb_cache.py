"""The bundled knowledge base's parsed YAML is kept in the user's cache folder: a later run reads
the same knowledge base from it, and a damaged or unwritable cache only costs the YAML parse."""

from __future__ import annotations

from catalog.licenses.loader import _cache_path, load_knowledge_base
from catalog.resources import data_path


def as_dicts(kb):
    return kb.version, [entry.to_dict() for entry in kb.all()]


def test_the_cached_parse_gives_the_same_knowledge_base(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    bundled = data_path("licenses", "licenses.yaml")
    parsed = load_knowledge_base(bundled, keep_parsed=True)
    cached = _cache_path(bundled.read_bytes())
    assert cached.parent == tmp_path / "catalog" and cached.exists()
    assert as_dicts(load_knowledge_base(bundled, keep_parsed=True)) == as_dicts(parsed)
    cached.write_bytes(b"{not json")  # damaged: parsed from the YAML again, and rewritten
    assert as_dicts(load_knowledge_base(bundled, keep_parsed=True)) == as_dicts(parsed)
    assert cached.read_bytes().startswith(b"{\"")


def test_an_unwritable_cache_folder_is_not_an_error(tmp_path, monkeypatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    bundled = data_path("licenses", "licenses.yaml")
    assert load_knowledge_base(bundled, keep_parsed=True).all()


def test_other_files_are_never_cached(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    copy = tmp_path / "kb.yaml"
    copy.write_bytes(data_path("licenses", "licenses.yaml").read_bytes())
    load_knowledge_base(copy)
    assert not (tmp_path / "catalog").exists()
