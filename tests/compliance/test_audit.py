"""Audit findings and obligations, against the shipped license knowledge base."""

from __future__ import annotations

import json

import pytest

from catalog.compliance.audit import audit, obligations_for
from catalog.compliance.findings import FINDING_CODES, SEVERITIES, Finding, ModelFacts
from catalog.licenses import resolve

SHA = "b" * 40
LLAMA = "meta-llama/Llama-3.1-8B-Instruct"


def facts(repo_id: str, license: object = "apache-2.0", *, name: object = None, bases=(),
          formats=("safetensors",), gated: str = "false", previous: object = "same",
          previous_sha: str | None = None) -> ModelFacts:
    return ModelFacts(
        repo_id=repo_id, sha=SHA, license_raw=license, license_name=name, license_link=None, license_tags=(),
        resolution=resolve(license, name), base_models=tuple(bases), formats=frozenset(formats), gated=gated,
        previous_license=None if previous == "same" else resolve(previous), previous_sha=previous_sha,
    )


def catalogue(*models: ModelFacts):
    return {model.repo_id: model for model in models}.get


def found(findings: list[Finding], code: str) -> list[Finding]:
    return [f for f in findings if f.code == code]


def the(findings: list[Finding], code: str, **evidence: object) -> Finding:
    [match] = [f for f in found(findings, code) if all(f.evidence.get(k) == v for k, v in evidence.items())]
    return match


LLAMA_BASE = facts(LLAMA, "llama3.1", gated="manual")


def test_permissive_model_has_only_its_attribution_finding():
    [finding] = audit(facts("org/bert-tiny", "mit"))
    assert (finding.code, finding.severity) == ("attribution-required", "info")
    assert "org/bert-tiny" in finding.message and "MIT" in finding.message


def test_missing_license_is_an_error():
    [finding] = audit(facts("org/mystery", None))
    assert (finding.code, finding.severity) == ("license-missing", "error")
    assert "org/mystery declares no license" in finding.message


def test_unrecognised_license_is_reported_with_the_raw_value():
    [finding] = audit(facts("org/custom", "other", name="ACME Open Weights License"))
    assert (finding.code, finding.severity) == ("license-unknown", "warning")
    assert finding.evidence["value"] == "other"
    assert finding.evidence["declared"]["license_name"] == "ACME Open Weights License"
    assert "ACME Open Weights License" in finding.message


def test_partly_recognised_license_reports_the_unknown_part_and_keeps_the_known_one():
    findings = audit(facts("org/mixed", ["apache-2.0", "acme-weights-1.0"]))
    assert found(findings, "license-unknown")[0].evidence["unresolved"] == ["acme-weights-1.0"]
    assert found(findings, "attribution-required")


def test_several_licenses_are_reported_and_each_one_counts():
    findings = audit(facts("org/dual", ["apache-2.0", "cc-by-nc-4.0"]))
    multiple = the(findings, "license-multiple")
    assert multiple.severity == "info"
    assert multiple.evidence["value"] == ["apache-2.0", "cc-by-nc-4.0"]
    assert the(findings, "non-commercial").evidence["license"] == "cc-by-nc-4.0"
    attributions = found(findings, "attribution-required")
    assert {f.evidence["license"] for f in attributions} == {"apache-2.0", "cc-by-nc-4.0"}


def test_llama_3_1_obligations_are_findings_with_their_figures():
    findings = audit(LLAMA_BASE)
    assert the(findings, "user-threshold").evidence["threshold"] == 700_000_000
    assert "700,000,000 users" in the(findings, "user-threshold").message
    attribution = the(findings, "attribution-required")
    assert attribution.evidence["notice"] == "Built with Llama"
    assert "Built with Llama" in attribution.message
    assert the(findings, "use-restrictions").evidence["policy"].endswith("use-policy")
    naming = the(findings, "naming-requirement")
    assert (naming.severity, naming.evidence["derivative"]) == ("info", False)
    assert (the(findings, "gated").severity, the(findings, "gated").evidence["value"]) == ("info", "manual")
    assert not found(findings, "base-license-conflict")


def test_apache_on_a_llama_fine_tune_conflicts_and_inherits_llama_obligations():
    tune = facts("acme/hermes-8b", "apache-2.0", bases=[(LLAMA, "finetune")])
    findings = audit(tune, lineage=catalogue(LLAMA_BASE))
    conflict = the(findings, "base-license-conflict")
    assert conflict.severity == "error"
    assert {k: conflict.evidence[k] for k in ("field", "value", "base_model", "base_license")} == {
        "field": "cardData.license", "value": "apache-2.0", "base_model": LLAMA, "base_license": "llama3.1"}
    assert set(conflict.evidence["dropped"]) >= {"use-restrictions", "user-threshold", "naming-rule"}
    assert "acme/hermes-8b" in conflict.message and LLAMA in conflict.message
    inherited = the(findings, "user-threshold")
    assert (inherited.evidence["inherited_from"], inherited.evidence["threshold"]) == (LLAMA, 700_000_000)
    assert the(findings, "attribution-required", license="llama3.1").evidence["notice"] == "Built with Llama"
    assert the(findings, "attribution-required", license="apache-2.0").evidence["inherited_from"] is None


def test_derivative_named_against_the_llama_rule_gets_a_warning():
    tune = facts("acme/hermes-8b", "llama3.1", bases=[(LLAMA, "finetune")])
    naming = the(audit(tune, lineage=catalogue(LLAMA_BASE)), "naming-requirement")
    assert naming.severity == "warning"
    assert (naming.evidence["prefix"], naming.evidence["follows_rule"]) == ("Llama", False)
    assert "'hermes-8b' does not begin with 'Llama'" in naming.message


@pytest.mark.parametrize("name", ["Llama-3.1-hermes-8b", "llama3.1_hermes", "LLAMA-Hermes"])
def test_derivative_named_by_the_llama_rule_gets_info(name):
    tune = facts(f"acme/{name}", "llama3.1", bases=[(LLAMA, "adapter")])
    naming = the(audit(tune, lineage=catalogue(LLAMA_BASE)), "naming-requirement")
    assert (naming.severity, naming.evidence["follows_rule"]) == ("info", True)


def test_declaring_llama_on_a_base_the_catalogue_lacks_still_makes_a_derivative():
    tune = facts("acme/hermes-8b", "llama3.1", bases=[("meta-llama/Llama-3.1-405B", "finetune")])
    assert the(audit(tune), "naming-requirement").severity == "warning"


def test_naming_rule_that_is_not_about_prefixes_is_left_to_a_person():
    base = facts("mistralai/Codestral-22B-v0.1", "mnpl")
    naming = the(audit(facts("acme/coder", "mnpl", bases=[(base.repo_id, "finetune")]),
                       lineage=catalogue(base)), "naming-requirement")
    assert (naming.severity, naming.evidence["prefix"]) == ("info", None)
    assert "Check by hand" in naming.message


def test_llama_3_naming_rule_asks_for_llama_3():
    base = facts("meta-llama/Meta-Llama-3-8B", "llama3")
    wrong = the(audit(facts("acme/Llama-2-tune", "llama3", bases=[(base.repo_id, "finetune")]),
                      lineage=catalogue(base)), "naming-requirement")
    right = the(audit(facts("acme/Llama-3-tune", "llama3", bases=[(base.repo_id, "finetune")]),
                      lineage=catalogue(base)), "naming-requirement")
    assert (wrong.severity, right.severity) == ("warning", "info")


def test_quantized_copy_of_a_fine_tune_inherits_through_the_whole_chain():
    tune = facts("acme/hermes-8b", "llama3.1", bases=[(LLAMA, "finetune")])
    quant = facts("quant/hermes-8b-GGUF", "llama3.1", bases=[("acme/hermes-8b", "quantized")],
                  formats=["gguf"])
    findings = audit(quant, lineage=catalogue(LLAMA_BASE, tune))
    assert not found(findings, "base-license-conflict")
    # A quantized copy keeps the name chosen upstream, so the naming rule is the fine-tune's problem.
    assert the(findings, "naming-requirement").severity == "info"


def test_grand_base_obligations_reach_a_quant_of_a_relicensed_fine_tune():
    tune = facts("acme/hermes-8b", "apache-2.0", bases=[(LLAMA, "finetune")])
    quant = facts("quant/hermes-8b-GGUF", "apache-2.0", bases=[("acme/hermes-8b", "quantized")])
    findings = audit(quant, lineage=catalogue(LLAMA_BASE, tune))
    conflict = the(findings, "base-license-conflict")
    assert conflict.evidence["base_license"] == "llama3.1"
    assert conflict.evidence["path"] == ["acme/hermes-8b", LLAMA]
    assert "through acme/hermes-8b" in conflict.message
    assert the(findings, "user-threshold").evidence["inherited_from"] == LLAMA


def test_non_commercial_base_under_a_permissive_license_conflicts():
    base = facts("lab/nc-base", "cc-by-nc-4.0")
    findings = audit(facts("org/tune", "mit", bases=[(base.repo_id, "finetune")]), lineage=catalogue(base))
    assert the(findings, "base-license-conflict").evidence["dropped"] == ["non-commercial"]
    assert the(findings, "non-commercial").evidence["inherited_from"] == "lab/nc-base"


@pytest.mark.parametrize(("base_license", "own_license"), [
    ("llama3.1", "llama3.1"), ("apache-2.0", "mit"), ("mit", "gpl-3.0"), ("cc-by-nc-4.0", "cc-by-nc-sa-4.0")])
def test_compatible_derivative_licenses_do_not_conflict(base_license, own_license):
    base = facts("org/base", base_license)
    tune = facts("org/tune", own_license, bases=[("org/base", "finetune")])
    findings = audit(tune, lineage=catalogue(base))
    assert not found(findings, "base-license-conflict")


def test_dropping_share_alike_conflicts():
    base = facts("org/base", "gpl-3.0")
    findings = audit(facts("org/tune", "apache-2.0", bases=[("org/base", "merge")]), lineage=catalogue(base))
    dropped = the(findings, "base-license-conflict").evidence["dropped"]
    assert set(dropped) == {"share-alike", "source-disclosure"}


def test_derivative_without_a_license_still_inherits_but_is_not_called_a_conflict():
    findings = audit(facts("org/tune", None, bases=[(LLAMA, "finetune")]), lineage=catalogue(LLAMA_BASE))
    assert found(findings, "license-missing") and found(findings, "use-restrictions")
    assert not found(findings, "base-license-conflict")


def test_agpl_source_disclosure_mentions_network_use():
    disclosure = the(audit(facts("org/agpl", "agpl-3.0")), "source-disclosure")
    assert disclosure.evidence["network"] is True
    assert "over a network" in disclosure.message
    assert found(audit(facts("org/agpl", "agpl-3.0")), "share-alike")


def test_stability_community_license_revenue_threshold_names_the_figure():
    revenue = the(audit(facts("stabilityai/sd3.5", "stabilityai-ai-community")), "revenue-threshold")
    assert (revenue.evidence["threshold"], revenue.evidence["currency"]) == (1_000_000, "USD")
    assert "1,000,000 USD" in revenue.message


def test_llama_3_output_restriction_is_reported():
    findings = audit(facts("meta-llama/Meta-Llama-3-8B", "llama3"))
    assert the(findings, "output-restrictions").severity == "warning"


def test_llama_3_2_territory_restriction_is_reported():
    territory = the(audit(facts("meta-llama/Llama-3.2-11B-Vision", "llama3.2")), "territory-restrictions")
    assert territory.evidence["region"] == "EU" and "(EU)" in territory.message


def test_a_base_the_catalogue_does_not_hold_is_a_warning_naming_it():
    """What the audit cannot see it says: the base's license and obligations are unknown."""
    findings = audit(facts("org/tune", "mit", bases=[("ghost/base", "finetune")]))
    assert [f.code for f in findings] == ["attribution-required", "base-not-catalogued"]
    gap = the(findings, "base-not-catalogued")
    assert gap.severity == "warning" and "ghost/base" in gap.message and gap.evidence["path"] == ["ghost/base"]


def test_a_missing_base_further_up_the_lineage_is_named_with_its_path():
    tune = facts("org/quant", "mit", bases=[("org/tune", "quantized")])
    middle = facts("org/tune", "mit", bases=[("ghost/base", "finetune")])
    gap = the(audit(tune, lineage=catalogue(tune, middle)), "base-not-catalogued")
    assert gap.evidence == {"base": "ghost/base", "path": ["org/tune", "ghost/base"]}
    assert "through org/tune" in gap.message


def test_lineage_cycles_end():
    a = facts("org/a", "mit", bases=[("org/b", "finetune")])
    b = facts("org/b", "cc-by-nc-4.0", bases=[("org/a", "finetune")])
    findings = audit(a, lineage=catalogue(a, b))
    assert the(findings, "base-license-conflict").evidence["base_model"] == "org/b"


def test_lineage_is_read_at_most_ten_generations_deep():
    chain = [facts(f"org/gen{i}", "mit", bases=[(f"org/gen{i + 1}", "finetune")]) for i in range(12)]
    chain.append(facts("org/gen12", "cc-by-nc-4.0"))
    asked: list[str] = []

    def lineage(repo_id: str) -> ModelFacts | None:
        asked.append(repo_id)
        return catalogue(*chain)(repo_id)

    assert not found(audit(chain[0], lineage=lineage), "non-commercial")
    assert asked == [f"org/gen{i}" for i in range(1, 11)]
    assert found(audit(chain[2], lineage=catalogue(*chain)), "non-commercial")


def test_license_change_is_a_warning_naming_old_and_new():
    changed = facts("org/m", "cc-by-nc-4.0", previous="apache-2.0", previous_sha="a" * 40)
    finding = the(audit(changed), "license-changed")
    assert finding.severity == "warning"
    assert (finding.evidence["old"], finding.evidence["new"]) == (["apache-2.0"], ["cc-by-nc-4.0"])
    assert (finding.evidence["old_sha"], finding.evidence["new_sha"]) == ("a" * 40, SHA)
    assert "from apache-2.0 to cc-by-nc-4.0" in finding.message
    assert not found(audit(facts("org/m", "mit", previous="MIT")), "license-changed")
    assert found(audit(facts("org/m", "mit", previous=None)), "license-changed")


@pytest.mark.parametrize(("formats", "warned"), [
    ({"pickle"}, True), ({"pickle", "safetensors"}, False), ({"pickle", "gguf"}, False), ({"onnx"}, False)])
def test_pickle_only_weights_are_a_warning(formats, warned):
    assert bool(found(audit(facts("org/m", "mit", formats=formats)), "pickle-weights")) is warned


@pytest.mark.parametrize(("gated", "reported"), [("false", False), ("auto", True), ("manual", True)])
def test_gated_models_are_reported(gated, reported):
    assert bool(found(audit(facts("org/m", "mit", gated=gated)), "gated")) is reported


def test_every_problem_is_reported_at_once_with_stable_codes():
    model = facts("acme/bad", "mit", bases=[(LLAMA, "finetune")], formats={"pickle"}, gated="auto",
                  previous="apache-2.0")
    findings = audit(model, lineage=catalogue(LLAMA_BASE))
    assert {"license-changed", "base-license-conflict", "naming-requirement", "gated", "pickle-weights"} <= {
        f.code for f in findings}
    assert all(f.code in FINDING_CODES and f.severity in SEVERITIES for f in findings)
    assert json.loads(json.dumps([f.to_dict() for f in findings]))[0]["code"] == "license-changed"


def test_obligations_for_lists_own_and_inherited_obligations_once():
    tune = facts("acme/Llama-tune", "llama3.1", bases=[(LLAMA, "finetune")])
    own = obligations_for(tune, lineage=catalogue(LLAMA_BASE))
    assert {item["inherited_from"] for item in own} == {None}
    assert len(own) == len(obligations_for(LLAMA_BASE))

    relicensed = facts("acme/tune", "apache-2.0", bases=[(LLAMA, "finetune")])
    items = obligations_for(relicensed, lineage=catalogue(LLAMA_BASE))
    threshold = next(item for item in items if item["kind"] == "user-threshold")
    assert threshold == {
        "kind": "user-threshold", "license": "llama3.1", "inherited_from": LLAMA, "threshold": 700_000_000,
        "summary": threshold["summary"], "clause": "§2",
        "detail": {"measure": threshold["detail"]["measure"]}}
    notices = [item["notice"] for item in items if item["kind"] == "attribution" and "notice" in item]
    assert "Built with Llama" in notices
    assert {item["license"] for item in items if item["inherited_from"] is None} == {"apache-2.0"}
    json.dumps(items)
