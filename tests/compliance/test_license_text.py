"""Reconciling the declared license with the license files a model ships (pure, no database)."""

from __future__ import annotations

from catalog.compliance.license_text import README_SECTION, TextEvidence, reconcile
from catalog.licenses import knowledge_base, resolve

KB = knowledge_base()


def text(path: str, detected: str | None, *, also: tuple[str, ...] = (), status: str = "ok",
         first_line: str = "Some terms") -> TextEvidence:
    return TextEvidence(path=path, status=status, revision="a" * 40, sha256=None if status != "ok" else "f" * 64,
                        detected=detected, score=0.97 if detected else 0.1, also=also, first_line=first_line)


def codes(findings) -> list[str]:
    return [f.code for f in findings]


def test_a_bare_other_takes_the_detected_license_with_its_evidence() -> None:
    effective, findings = reconcile(resolve("other"), (text("LICENSE", "llama3"),), KB)
    assert (effective.license_id, effective.status, effective.unresolved) == ("llama3", "resolved", ())
    assert codes(findings) == ["license-detected"]
    assert findings[0].evidence["files"][0] == {"path": "LICENSE", "revision": "a" * 40, "sha256": "f" * 64,
                                                "license": "llama3", "score": 0.97}


def test_a_declared_license_contradicted_by_the_file_is_an_error_and_both_apply() -> None:
    effective, findings = reconcile(resolve("mit"), (text("LICENSE", "llama3"),), KB)
    assert codes(findings) == ["license-text-mismatch"] and findings[0].severity == "error"
    assert effective.license_ids == ("mit", "llama3") and effective.license_id == "llama3"


def test_a_license_appended_in_the_file_counts_too() -> None:
    _, findings = reconcile(resolve("apache-2.0"), (text("LICENSE", "apache-2.0", also=("llama3",)),), KB)
    assert codes(findings) == ["license-text-mismatch"] and findings[0].evidence["license"] == "llama3"


def test_agreeing_texts_and_family_members_raise_nothing() -> None:
    assert reconcile(resolve("mit"), (text("LICENSE", "mit"),), KB) == (resolve("mit"), [])
    assert reconcile(resolve("bsd"), (text("LICENSE", "bsd-3-clause"),), KB)[1] == []


def test_an_unrecognised_file_is_a_warning_but_a_notice_or_an_unreadable_file_is_not() -> None:
    _, findings = reconcile(resolve(None), (text("LICENSE.md", None, first_line="ACME terms"),
                                            text("NOTICE", None), text("COPYING", None, status="gated")), KB)
    assert codes(findings) == ["license-text-unrecognised"]
    assert (findings[0].evidence["path"], findings[0].evidence["first_line"]) == ("LICENSE.md", "ACME terms")


def test_the_card_section_speaks_only_when_no_file_does() -> None:
    section = text(README_SECTION, None)
    assert codes(reconcile(resolve(None), (section, text("LICENSE", "mit")), KB)[1]) == ["license-detected"]
    assert codes(reconcile(resolve(None), (section,), KB)[1]) == ["license-text-unrecognised"]
    assert reconcile(resolve("mit"), (section,), KB)[1] == []  # a declared license needs no card prose
