"""Corrections of the license knowledge base (issue 13), each checked against the clause it follows.

Every test quotes the clause of the license text (../shared/hub-data, license-facts.md) that makes
the knowledge base say what it says now.
"""

from __future__ import annotations

from catalog.compliance.audit import audit, obligations_for
from catalog.compliance.findings import ModelFacts
from catalog.compliance.policy import DEFAULT_POLICY, Subject, evaluate, policy_from_dict
from catalog.licenses import knowledge_base, resolve

SHA = "c" * 40


def facts(repo_id: str, license: object = None, *, name: object = None, link: object = None, bases=(),
          pipeline_tag: str | None = None, base_sources=()) -> ModelFacts:
    return ModelFacts(
        repo_id=repo_id, sha=SHA, license_raw=license, license_name=name, license_link=link, license_tags=(),
        resolution=resolve(license, name, link), base_models=tuple(bases), formats=frozenset({"safetensors"}),
        gated="false", pipeline_tag=pipeline_tag, base_sources=tuple(base_sources),
    )


def codes(findings) -> set[str]:
    return {f.code for f in findings}


def verdict(model: ModelFacts, policy=DEFAULT_POLICY, context="internal", lineage=None):
    lineage = lineage or (lambda _: None)
    findings = tuple(audit(model, lineage=lineage))
    [result] = evaluate(policy, [Subject(model.repo_id, None, model, findings)], context=context)
    return result


# --- territory ------------------------------------------------------------------------------------
# Llama 3.2 AUP: "With respect to any multimodal models included in Llama 3.2, the rights granted
# under Section 1(a) of the Llama 3.2 Community License Agreement are not being granted to you if you
# are an individual domiciled in, or a company with a principal place of business in, the European
# Union."

VISION = facts("meta-llama/Llama-3.2-11B-Vision-Instruct", "llama3.2", pipeline_tag="image-text-to-text")
TEXT = facts("meta-llama/Llama-3.2-1B-Instruct", "llama3.2", pipeline_tag="text-generation")


def test_llama_3_2_eu_restriction_covers_only_the_multimodal_models():
    assert "territory-restrictions" in codes(audit(VISION))
    assert "territory-restrictions" not in codes(audit(TEXT))


def test_inheritance_follows_the_multimodal_base():
    vision_tune = facts("acme/vision-tune", bases=[(VISION.repo_id, "finetune")])
    text_tune = facts("acme/text-tune", bases=[(TEXT.repo_id, "finetune")])
    lineage = {VISION.repo_id: VISION, TEXT.repo_id: TEXT}.get
    assert "territory-restrictions" in codes(audit(vision_tune, lineage=lineage))
    assert "territory-restrictions" not in codes(audit(text_tune, lineage=lineage))


def test_llama_3_3_is_text_only_so_no_territory_finding():
    # Llama 3.3 MODEL_CARD.md: "Llama 3.3 (text only)"; the AUP's EU paragraph covers "multimodal
    # models included in Llama 3.3", and there are none.
    model = facts("meta-llama/Llama-3.3-70B-Instruct", "llama3.3", pipeline_tag="text-generation")
    assert "territory-restrictions" not in codes(audit(model))


def test_llama_4_keeps_the_eu_restriction():
    # Llama 4 AUP: "With respect to any multimodal models included in Llama 4, ..." (Llama 4 is multimodal).
    model = facts("meta-llama/Llama-4-Scout-17B-16E-Instruct", "llama4", pipeline_tag="text-generation")
    assert "territory-restrictions" in codes(audit(model))


def test_jurisdiction_fails_an_eu_team_and_warns_others():
    eu = policy_from_dict({"jurisdiction": "EU"})
    germany = policy_from_dict({"jurisdiction": "de"})
    us = policy_from_dict({"jurisdiction": "US"})

    def territory(policy):
        return next(r for r in verdict(VISION, policy).reasons if r.code == "territory-restrictions")

    assert territory(eu).outcome == "fail" and "no rights" in territory(eu).message
    assert territory(germany).outcome == "fail"
    assert territory(us).outcome == "warn"
    assert territory(DEFAULT_POLICY).outcome == "warn"
    assert all(r.code != "territory-restrictions" for r in verdict(TEXT, eu).reasons)


# --- categories -----------------------------------------------------------------------------------


def test_cc_by_nd_is_no_derivatives_not_copyleft():
    # CC BY-ND 4.0 §2(a)(1): "B. produce and reproduce, but not Share, Adapted Material." Nothing is
    # shared alike, so it is not copyleft.
    assert knowledge_base().get("cc-by-nd-4.0").category == "no-derivatives"


def test_cc_family_is_mixed_and_needs_review():
    # repositories-licenses.md lists `cc` as "Creative Commons license family": CC0 ... BY-NC-ND.
    cc = knowledge_base().get("cc")
    assert cc.category == "mixed" and cc.obligations == ()
    assert {cc.verdicts[c].status for c in ("research", "internal", "saas", "redistribution")} == {"review"}
    result = verdict(facts("someone/cc-model", "cc"))
    assert result.verdict == "warn"
    assert [r.code for r in result.reasons if r.outcome == "warn"] == ["license-review"]
    assert not codes(audit(facts("someone/cc-model", "cc"))) & {"non-commercial", "attribution-required"}


def test_declared_proprietary_and_non_commercial_map_to_categories():
    # LMArena's licence column says "Proprietary" for 119 models and "Non-commercial" for 7.
    assert resolve("Proprietary").category == "proprietary"
    assert resolve("Propretary").category == "proprietary"
    assert resolve("Non-commercial").category == "non-commercial"
    assert verdict(facts("x/api-model", "other", name="Proprietary")).verdict == "fail"


# --- obligations ----------------------------------------------------------------------------------


def kinds(license_id: str) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for obligation in knowledge_base().get(license_id).obligations:
        result.setdefault(obligation.kind, []).append(obligation.clause)
    return result


def test_falcon_3_license_copy_changes_notices_and_outputs():
    # TII Falcon License (Dec 2024) §4.1: "2. You must give any other recipients of the Work or
    # Derivative Works a copy of this License; 3. You must cause any modified files to carry prominent
    # notices stating that You changed the files; 4. You must retain ... all copyright, patent,
    # trademark, and attribution notices ...; 5. If the Work includes a "NOTICE" text file ..."
    # §5.2: "You may not use the Work or any Derivative Work or any output ... to create other works
    # for any purpose which conflicts with the Acceptable Use Policy."
    falcon = kinds("falcon-llm-license")
    assert falcon["license-copy"] == ["§4.1.2"]
    assert falcon["state-changes"] == ["§4.1.3"]
    assert {"§4.1.4", "§4.1.5"} <= set(falcon["attribution"])
    assert falcon["output-restrictions"] == ["§5.2"]
    assert set(knowledge_base().get("falcon-llm-license").verdicts["redistribution"].obligations) >= {
        "license-copy", "state-changes", "attribution", "output-restrictions"}


def test_mistral_research_license_for_a_company():
    # MRL §9: "Research Purposes does not include (1) any usage ... by individuals or contractors
    # employed in or engaged by companies in the context of (a) their daily tasks ... nor (2) any
    # Distribution by a commercial entity of the Mistral Model, Derivative or Output whether in
    # return for payment or free of charge". §2.3: "prominent notices stating that You modified".
    mrl = knowledge_base().get("mrl")
    assert mrl.verdicts["redistribution"].status == "not-allowed"
    assert mrl.verdicts["research"].status == "review"
    assert "daily tasks" in mrl.verdicts["research"].note
    assert kinds("mrl")["state-changes"] == ["§2.3"]


def test_qwen_research_notice_is_printed():
    # Qwen RESEARCH LICENSE AGREEMENT §3.c: retain the attribution notice "Qwen is licensed under the
    # Qwen RESEARCH LICENSE AGREEMENT, Copyright (c) Alibaba Cloud. All Rights Reserved."
    model = facts("Qwen/Qwen2.5-3B-Instruct", "other", name="qwen-research")
    notices = {o.get("notice"): o for o in obligations_for(model)}
    notice = "Qwen is licensed under the Qwen RESEARCH LICENSE AGREEMENT, Copyright (c) Alibaba Cloud. All Rights Reserved."
    assert notices[notice]["detail"]["placement"] == "notice-file"
    assert notices["Built with Qwen"]["detail"]["placement"] == "display"


def test_falcon_180b_hosting_needs_permission():
    # Falcon 180B TII License §9: Hosting Use (shared instances or managed services offering the model
    # via an inference or fine-tuning API) is not licensed without TII's written permission.
    saas = knowledge_base().get("falcon-180b-tii-license").verdicts["saas"]
    assert saas.status == "review" and "written permission" in saas.note
    assert verdict(facts("tiiuae/falcon-180B", "other", name="falcon-180b-license"), context="saas").verdict == "warn"


# --- lineage without base_model ---------------------------------------------------------------------
# DeepSeek-R1 README §7: "DeepSeek-R1-Distill-Llama-8B is derived from Llama3.1-8B-Base" and
# "-70B from Llama3.3-70B-Instruct" (license-facts §4.8): subject to those licenses.


def test_r1_distill_inherits_llama_through_the_curated_table():
    from catalog.facts.loader import facts_of, resolve_declared

    class Row:
        repo_id, sha, license_raw, license_name_raw, license_link_raw = (
            "deepseek-ai/DeepSeek-R1-Distill-Llama-8B", SHA, "mit", None, None)
        license_tags, formats, gated, pipeline_tag = (), ("safetensors",), "false", "text-generation"

    model = facts_of(Row, resolve_declared("mit", None, None, ()), [], None)
    assert model.base_models == (("meta-llama/Llama-3.1-8B", "finetune"),)
    from catalog.facts.loader import curated_base_facts
    findings = audit(model, lineage=curated_base_facts)
    conflict = next(f for f in findings if f.code == "base-license-conflict")
    assert conflict.evidence["base_license"] == "llama3.1"
    assert "curated lineage table" in conflict.evidence["lineage_source"]
    assert "curated lineage table" in conflict.message
    inherited = next(f for f in findings if f.code == "user-threshold")
    assert "DeepSeek-R1 README.md" in inherited.evidence["lineage_source"]


def test_a_card_that_names_its_base_is_not_overridden():
    from catalog.facts.loader import facts_of, resolve_declared

    class Row:
        repo_id, sha, license_raw, license_name_raw, license_link_raw = (
            "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", SHA, "mit", None, None)
        license_tags, formats, gated, pipeline_tag = (), (), "false", None

    model = facts_of(Row, resolve_declared("mit", None, None, ()), [("Qwen/Qwen2.5-Math-7B", "finetune")], None)
    assert model.base_sources == ()


# --- aliases ----------------------------------------------------------------------------------------


def test_aliases_resolve():
    for name, link, expected in [
        (None, "https://www.llama.com/llama3/license/", "llama3"),
        (None, "https://www.llama.com/llama3_1/license/", "llama3.1"),
        (None, "https://www.llama.com/llama2/license/", "llama2"),
        (None, "https://llama.meta.com/llama2/license/", "llama2"),
        # hub-docs model-cards.md, example from coqui/XTTS-v1
        ("coqui-public-model-license", "https://coqui.ai/cpml", "coqui-public-model-license"),
        (None, "https://coqui.ai/cpml", "coqui-public-model-license"),
        ("BigScience RAIL", None, "bigscience-bloom-rail-1.0"),
        ("Nvidia Open", None, "nvidia-open-model-license"),
    ]:
        assert resolve("other", name, link).license_ids == (expected,), (name, link)


def test_unresearched_names_stay_unknown_with_the_reason():
    for name in ["AI2 ImpACT Low-risk", "DBRX LICENSE", "Jamba Open", "Yi License", "OPT-175B License",
                 "GLM-130B License", "AI Sweden", "Writer open model license", "NexusFlow", "Modified MIT",
                 "Fair AI Public License 1.0-SD"]:
        model = facts("x/y", "other", name=name)
        assert model.resolution.status == "unknown", name
        [finding] = [f for f in audit(model) if f.code == "license-unknown"]
        assert finding.evidence["reason"] and finding.evidence["reason"] in finding.message, name


# --- noise ------------------------------------------------------------------------------------------


def test_naming_requirement_warns_only_on_a_derivative_that_breaks_the_rule():
    # Llama 3.1 §1.b.i: a distributed derivative model must have a name that begins with "Llama".
    meta = facts("meta-llama/Llama-3.1-8B-Instruct", "llama3.1")
    good = facts("acme/Llama-3.1-acme-chat", "llama3.1", bases=[(meta.repo_id, "finetune")])
    bad = facts("acme/acme-chat", "llama3.1", bases=[(meta.repo_id, "finetune")])
    lineage = {meta.repo_id: meta}.get

    def naming(model):
        return next(r for r in verdict(model, lineage=lineage).reasons if r.code == "naming-requirement")

    assert naming(meta).outcome == "info"
    assert naming(good).outcome == "info"
    assert naming(bad).outcome == "warn"


def test_openrail_plus_plus_links_the_sd2_text():
    # modelgo/license_raw/OpenRAIL++.txt: "CreativeML Open RAIL++-M License dated November 24, 2022".
    assert knowledge_base().get("openrail++").url == "https://huggingface.co/stabilityai/stable-diffusion-2/blob/main/LICENSE-MODEL"


# --- identifiers ------------------------------------------------------------------------------------


def test_every_identifier_is_known_to_the_pinned_license_expression():
    """SPDX ids must be in the library's SPDX list, LicenseRef-scancode-* ids among its ScanCode keys;
    LicenseRef-catalog-* ids are ours (no SPDX or ScanCode id exists for those texts)."""
    from license_expression import get_license_index, get_spdx_licensing

    spdx = get_spdx_licensing()
    scancode = {entry.get("spdx_license_key") for entry in get_license_index()}
    for entry in knowledge_base():
        if entry.spdx.startswith("LicenseRef-catalog-"):
            continue
        if entry.spdx.startswith("LicenseRef-"):
            assert entry.spdx in scancode, entry.id
        else:
            assert not spdx.validate(entry.spdx).errors, entry.id


def test_editing_the_knowledge_base_or_the_lineage_table_makes_stored_derivations_stale(monkeypatch):
    """`catalog audit` re-derives models whose derived_version differs: it covers both data files."""
    from catalog.facts import derive

    before = derive.derivation_version(knowledge_base())
    derive._derivation_version.cache_clear()
    monkeypatch.setattr(derive, "lineage_version", lambda: "edited")
    try:
        assert derive.derivation_version(knowledge_base()) != before
    finally:
        derive._derivation_version.cache_clear()
    assert derive.DERIVATION_REVISION >= 3  # bumped for the curated lineage and multimodal scope
