"""Policy files and verdicts, against the shipped license knowledge base."""

from __future__ import annotations

import json
from datetime import date

import pytest

from catalog.compliance.audit import audit
from catalog.compliance.findings import FINDING_CODES, Finding, ModelFacts
from catalog.compliance.policy import (
    DEFAULT_POLICY,
    REASON_CODES,
    ModelVerdict,
    PolicyError,
    Subject,
    TeamDecision,
    evaluate,
    load_policy,
    load_policy_file,
    overall,
    policy_from_dict,
)
from catalog.licenses import resolve

SHA = "c0ffee" + "0" * 34
OLD_SHA = "dead" + "1" * 36
TODAY = date(2026, 6, 1)

EXAMPLE = """\
context: saas
allow: [apache-2.0, mit, "category:permissive", "category:public-domain"]
review: ["category:open-rail", "category:community"]
deny: ["category:non-commercial", agpl-3.0]
findings:
  fail: [base-license-conflict, license-changed]
  warn: [pickle-weights, naming-requirement]
  ignore: [gated]
unknown: fail
exceptions:
  - model: nc-lab/summarizer-base
    revision: null
    reason: research prototype, never shipped
    approved_by: legal@acme
    expires: 2027-01-31
"""


def facts(repo_id: str, license: object = "apache-2.0", **fields: object) -> ModelFacts:
    name = fields.pop("name", None)
    return ModelFacts(
        repo_id=repo_id, sha=fields.pop("sha", SHA), license_raw=license, license_name=name,
        license_link=None, license_tags=(), resolution=resolve(license, name),
        base_models=fields.pop("bases", ()), formats=frozenset(fields.pop("formats", {"safetensors"})),
        gated=fields.pop("gated", "false"),
    )


def subject(repo_id: str = "org/model", license: object = "apache-2.0", *, findings: tuple[Finding, ...] = (),
            decision: TeamDecision | None = None, revision: str | None = None, **fields: object) -> Subject:
    return Subject(repo_id, revision, facts(repo_id, license, **fields), findings, decision)


def judge(policy_text: str, *subjects: Subject, context: str | None = None) -> list[ModelVerdict]:
    return evaluate(load_policy(policy_text), subjects, context=context, today=TODAY)


def one(policy_text: str, subject_: Subject, context: str | None = None) -> ModelVerdict:
    [verdict] = judge(policy_text, subject_, context=context)
    # Whatever the case, the verdict is the worst outcome among the reasons it lists.
    assert all(r.code in REASON_CODES + FINDING_CODES for r in verdict.reasons)
    outcomes = {reason.outcome for reason in verdict.reasons}
    assert verdict.verdict == ("fail" if "fail" in outcomes else "warn" if "warn" in outcomes else "pass")
    return verdict


def codes(verdict: ModelVerdict, outcome: str | None = None) -> list[str]:
    return [r.code for r in verdict.reasons if outcome is None or r.outcome == outcome]


def pairs(verdict: ModelVerdict) -> list[tuple[str, str]]:
    return [(r.code, r.outcome) for r in verdict.reasons]


def finding(code: str) -> Finding:
    return Finding(code, "warning", f"{code} about org/model.", {"field": "x"})


# --- loading ------------------------------------------------------------------------------------


def test_example_policy_loads_with_canonical_ids_and_dates():
    policy = load_policy(EXAMPLE, source="policy.yaml")
    assert policy.context == "saas"
    assert policy.allow == ("apache-2.0", "mit", "category:permissive", "category:public-domain")
    assert policy.deny == ("category:non-commercial", "agpl-3.0")
    assert policy.findings_fail == ("base-license-conflict", "license-changed")
    assert policy.findings_ignore == ("gated",)
    assert (policy.unknown, policy.not_in_catalogue, policy.source) == ("fail", "fail", "policy.yaml")
    [exc] = policy.exceptions
    assert (exc.model, exc.revision, exc.approved_by, exc.expires) == (
        "nc-lab/summarizer-base", None, "legal@acme", date(2027, 1, 31))


def test_license_named_by_spdx_id_or_other_case_is_accepted_as_the_kb_id():
    assert load_policy("allow: [Apache-2.0, MIT, GPL-3.0-only]").allow == ("apache-2.0", "mit", "gpl-3.0")


def test_misspelt_license_id_is_reported_with_line_and_suggestion():
    text = "context: saas\nallow:\n  - mit\n  - apache2\n"
    with pytest.raises(PolicyError) as caught:
        load_policy(text, source="policy.yaml")
    assert str(caught.value) == "policy.yaml line 4: unknown license id 'apache2'; did you mean 'apache-2.0'?"
    assert (caught.value.line, caught.value.column) == (4, 5)


@pytest.mark.parametrize(
    ("text", "line", "says"),
    [
        ("context: saas\ncontxt: saas\n", 2, "unknown key 'contxt'; did you mean 'context'?"),
        ("context: sass\n", 1, "unknown context 'sass'"),
        ("deny:\n  - category:noncommercial\n", 2, "did you mean 'non-commercial'?"),
        ("deny: [category:unknown]\n", 1, "the `unknown` key"),
        ("deny: [other]\n", 1, "the `unknown` key"),
        ("findings:\n  fail: [base-licence-conflict]\n", 2, "unknown finding code 'base-licence-conflict'"),
        ("findings:\n  fail: [gated]\n  ignore: [gated]\n", 3, "already listed under 'fail'"),
        ("findings:\n  fial: [gated]\n", 2, "unknown key 'fial'; did you mean 'fail'?"),
        ("unknown: maybe\n", 1, "unknown must be fail or warn"),
        ("not_in_catalogue: ignore\n", 1, "not_in_catalogue must be fail or warn"),
        ("allow: mit\n", 1, "expected a list"),
        ("allow: [mit]\nallow: [apache-2.0]\n", 2, "duplicate key 'allow'"),
        ("allow: [mit\n", 2, ""),  # malformed YAML: the parser's own line
        ("exceptions:\n  - model: a/b\n    reason: r\n    approved_by: me\n    expires: 2027-13-01\n", 5,
         "'2027-13-01' is not a date"),
        ("exceptions:\n  - model: a/b\n    reason: r\n    approved_by: me\n    expires: soon\n", 5,
         "not a date"),
        ("exceptions:\n  - model: a/b\n    reason: r\n", 2, "an exception needs a approved_by"),
        ("exceptions:\n  - model: a/b\n    reason: r\n    approved_by: me\n    until: 2027-01-01\n", 5,
         "unknown key 'until'"),
    ],
)
def test_invalid_policies_name_the_line(text, line, says):
    with pytest.raises(PolicyError) as caught:
        load_policy(text, source="p.yaml")
    assert caught.value.line == line
    assert str(caught.value).startswith(f"p.yaml line {line}: ")
    assert says in str(caught.value)


@pytest.mark.parametrize(("text", "says"), [
    ("", "<inline>: the policy is empty"), ("# only a comment\n", "<inline>: the policy is empty"),
    ("- allow\n", "<inline> line 1: a policy is a mapping"), ("just words\n", "<inline> line 1: a policy")])
def test_empty_or_non_mapping_policy_is_rejected(text, says):
    with pytest.raises(PolicyError) as caught:
        load_policy(text)
    assert str(caught.value).startswith(says)


def test_revision_made_of_digits_keeps_its_leading_zero():
    text = "exceptions:\n  - {model: a/b, revision: 0123456, reason: r, approved_by: me}\n"
    assert load_policy(text).exceptions[0].revision == "0123456"


def test_policy_file_errors_cite_the_path(tmp_path):
    path = tmp_path / "policy.yaml"
    path.write_text("deny: [agpl3]\n", encoding="utf-8")
    with pytest.raises(PolicyError, match=r"policy\.yaml line 1: unknown license id 'agpl3'"):
        load_policy_file(path)
    path.write_text(EXAMPLE, encoding="utf-8")
    assert load_policy_file(path).source == str(path)


def test_json_policy_errors_name_the_key_path():
    with pytest.raises(PolicyError) as caught:
        policy_from_dict({"deny": ["mit", "apache2"]})
    assert str(caught.value).startswith("<json> deny[1]: unknown license id 'apache2'")
    with pytest.raises(PolicyError, match=r"^<json> exceptions\[0\]\.expires: 'tomorrow' is not a date"):
        policy_from_dict({"exceptions": [
            {"model": "a/b", "reason": "r", "approved_by": "me", "expires": "tomorrow"}]})
    policy = policy_from_dict({"context": "internal", "exceptions": [
        {"model": "a/b", "reason": "r", "approved_by": "me", "expires": "2027-01-31"}]})
    assert policy.exceptions[0].expires == date(2027, 1, 31)


# --- license rules ------------------------------------------------------------------------------


def test_deny_beats_an_explicit_allow_of_the_same_license():
    verdict = one("allow: [cc-by-nc-4.0]\ndeny: ['category:non-commercial']\n",
                  subject(license="cc-by-nc-4.0"), context="research")
    assert verdict.verdict == "fail"
    [reason] = [r for r in verdict.reasons if r.code == "license-denied"]
    assert reason.evidence["rule"] == "category:non-commercial"
    assert "org/model" in reason.message and "cc-by-nc-4.0" in reason.message


def test_deny_beats_review():
    verdict = one("review: [gpl-3.0]\ndeny: ['category:copyleft']\n", subject(license="gpl-3.0"),
                  context="saas")
    assert (verdict.verdict, codes(verdict)) == ("fail", ["license-denied"])


def test_review_beats_allow():
    verdict = one("allow: [gpl-3.0]\nreview: ['category:copyleft']\n", subject(license="gpl-3.0"),
                  context="saas")
    assert (verdict.verdict, codes(verdict)) == ("warn", ["license-review"])


def test_allowed_license_passes_and_says_why():
    verdict = one("allow: [apache-2.0]\n", subject(), context="redistribution")
    assert verdict.verdict == "pass"
    assert pairs(verdict) == [("license-allowed", "pass")]
    assert (verdict.license_id, verdict.category) == ("apache-2.0", "permissive")


def test_unlisted_license_falls_back_to_the_knowledge_base_verdict_for_the_context():
    empty = "unknown: fail\n"
    assert one(empty, subject(), context="saas").verdict == "pass"
    conditional = one(empty, subject(), context="redistribution")
    assert conditional.verdict == "pass"
    [reason] = conditional.reasons
    assert (reason.code, reason.outcome) == ("license-conditional", "info")
    assert set(reason.evidence["obligations"]) == {"license-copy", "state-changes", "attribution"}
    assert "attribution" in reason.message
    refused = one(empty, subject(license="cc-by-nc-4.0"), context="saas")
    assert (refused.verdict, codes(refused)) == ("fail", ["license-not-allowed-in-context"])


def test_every_license_of_a_model_must_pass():
    verdict = one("deny: ['category:non-commercial']\nallow: [apache-2.0]\n",
                  subject(license=["apache-2.0", "cc-by-nc-4.0"]), context="research")
    assert verdict.verdict == "fail"
    assert [(r.code, r.evidence["license"]) for r in verdict.reasons] == [
        ("license-allowed", "apache-2.0"), ("license-denied", "cc-by-nc-4.0")]


@pytest.mark.parametrize(("license", "name"), [(None, None), ("other", "ACME Secret Weights License")])
def test_missing_and_unknown_licenses_follow_the_unknown_setting(license, name):
    failing = one("context: internal\n", subject(license=license, name=name))
    assert (failing.verdict, codes(failing)) == ("fail", ["license-unknown"])
    assert failing.category in ("unlicensed", "unknown")
    assert one("context: internal\nunknown: warn\n", subject(license=license, name=name)).verdict == "warn"


def test_partly_unrecognised_license_is_unknown_too():
    verdict = one("allow: [mit]\n", subject(license=["mit", "acme-weights-1.0"]), context="saas")
    assert verdict.verdict == "fail"
    assert "acme-weights-1.0" in next(r.message for r in verdict.reasons if r.code == "license-unknown")


def test_model_not_in_catalogue_fails_unless_the_policy_says_warn():
    missing = Subject("ghost/model", None, None, ())
    [verdict] = judge("context: saas\n", missing)
    assert (verdict.verdict, codes(verdict), verdict.category) == ("fail", ["not-in-catalogue"], "unknown")
    [verdict] = judge("context: saas\nnot_in_catalogue: warn\n", missing)
    assert verdict.verdict == "warn"


def test_context_argument_overrides_the_policy_context():
    nc = subject(license="cc-by-nc-4.0")
    assert one("context: saas\n", nc).verdict == "fail"
    assert one("context: saas\n", nc, context="research").verdict == "pass"


def test_a_context_is_required():
    with pytest.raises(ValueError, match="no context"):
        evaluate(DEFAULT_POLICY, [subject()])
    with pytest.raises(ValueError, match="unknown context 'prod'"):
        evaluate(DEFAULT_POLICY, [subject()], context="prod")


# --- findings -----------------------------------------------------------------------------------


def test_findings_count_as_the_policy_lists_them():
    policy = ("context: saas\nfindings:\n  fail: [license-changed]\n  warn: [pickle-weights]\n"
              "  ignore: [gated]\n")
    listed = (finding("license-changed"), finding("pickle-weights"), finding("gated"), finding("share-alike"))
    verdict = one(policy, subject(findings=listed))
    assert verdict.verdict == "fail"
    assert pairs(verdict) == [
        ("license-allowed", "pass"), ("license-changed", "fail"), ("pickle-weights", "warn"),
        ("share-alike", "info")]
    assert verdict.reasons[1].evidence == {"field": "x", "severity": "warning"}


def test_unlisted_findings_do_not_change_the_verdict():
    verdict = one("context: saas\n", subject(findings=(finding("base-license-conflict"),)))
    assert verdict.verdict == "pass"
    assert ("base-license-conflict", "info") in pairs(verdict)


# --- team decisions -----------------------------------------------------------------------------


def decision(status: str, revision: str | None = SHA, *, stale: bool = False) -> TeamDecision:
    return TeamDecision(status, revision, stale, "ml-platform", "checked by legal", None)


def test_misspelt_team_decision_is_refused_rather_than_read_as_approval():
    with pytest.raises(ValueError, match="unknown team decision 'aproved'"):
        decision("aproved")


def test_banned_fails_even_an_allowed_model_with_an_exception():
    policy = "allow: [apache-2.0]\nexceptions:\n  - {model: org/model, reason: demo, approved_by: cto}\n"
    verdict = one(policy, subject(decision=decision("banned")), context="research")
    assert verdict.verdict == "fail"
    assert ("team-banned", "fail") in pairs(verdict)
    assert ("exception", "info") in pairs(verdict)


@pytest.mark.parametrize(("context", "outcome"), [("saas", "fail"), ("redistribution", "fail"),
                                                  ("internal", "warn"), ("research", "warn")])
def test_restricted_fails_for_third_parties_and_warns_in_house(context, outcome):
    verdict = one("allow: [apache-2.0]\n", subject(decision=decision("restricted")), context=context)
    assert (verdict.verdict, codes(verdict, outcome)) == (outcome, ["team-restricted"])


def test_needs_review_decision_warns():
    verdict = one("allow: [apache-2.0]\n", subject(decision=decision("needs-review")), context="saas")
    assert (verdict.verdict, codes(verdict, "warn")) == ("warn", ["team-needs-review"])


@pytest.mark.parametrize("status", ["approved", "approved-with-conditions"])
@pytest.mark.parametrize("revision", [SHA, SHA[:7], None])
def test_approval_at_the_checked_revision_turns_review_into_pass(status, revision):
    verdict = one("review: [gpl-3.0]\n", subject(license="gpl-3.0", decision=decision(status, revision)),
                  context="saas")
    assert verdict.verdict == "pass"
    assert pairs(verdict) == [("license-review", "info"), ("team-approved", "pass")]
    assert verdict.reasons[0].evidence["overridden_by"] == "team-approved"


def test_approval_overrides_the_knowledge_base_and_unknown_licenses():
    refused = subject(license="cc-by-nc-4.0", decision=decision("approved"))
    assert one("context: saas\n", refused).verdict == "pass"
    custom = subject(license="other", name="ACME Weights License", decision=decision("approved"))
    assert one("context: saas\n", custom).verdict == "pass"


def test_approval_never_overrides_deny_or_failing_findings():
    denied = subject(license="agpl-3.0", decision=decision("approved"))
    assert one("deny: [agpl-3.0]\n", denied, context="saas").verdict == "fail"
    conflicted = subject(findings=(finding("base-license-conflict"),), decision=decision("approved"))
    assert one("findings:\n  fail: [base-license-conflict]\n", conflicted, context="saas").verdict == "fail"


def test_approval_at_another_revision_does_not_count():
    verdict = one("review: [gpl-3.0]\n", subject(license="gpl-3.0", decision=decision("approved", OLD_SHA)),
                  context="saas")
    assert verdict.verdict == "warn"
    assert pairs(verdict) == [("license-review", "warn"), ("team-approved", "info")]


def test_stale_approval_counts_as_none_and_warns():
    verdict = one("allow: [apache-2.0]\n", subject(decision=decision("approved", stale=True)), context="saas")
    assert (verdict.verdict, codes(verdict, "warn")) == ("warn", ["team-approval-stale"])
    stale = decision("approved", stale=True)
    still_review = one("review: [gpl-3.0]\n", subject(license="gpl-3.0", decision=stale), context="saas")
    assert codes(still_review, "warn") == ["license-review", "team-approval-stale"]


# --- exceptions ---------------------------------------------------------------------------------


def exception_policy(expires: str = "2027-01-31", revision: str = "null") -> str:
    return ("context: saas\ndeny: ['category:non-commercial']\n"
            "exceptions:\n"
            "  - model: nc-lab/summarizer-base\n"
            f"    revision: {revision}\n"
            "    reason: research prototype, never shipped\n"
            "    approved_by: legal@acme\n"
            f"    expires: {expires}\n")


def test_matching_exception_turns_the_verdict_into_pass_and_keeps_every_reason():
    nc = subject("nc-lab/summarizer-base", "cc-by-nc-4.0", findings=(finding("pickle-weights"),))
    verdict = one(exception_policy() + "findings:\n  warn: [pickle-weights]\n", nc)
    assert verdict.verdict == "pass"
    assert pairs(verdict) == [
        ("license-denied", "info"), ("pickle-weights", "info"), ("exception", "pass")]
    assert verdict.reasons[-1].evidence == {
        "reason": "research prototype, never shipped", "approved_by": "legal@acme", "revision": None,
        "expires": "2027-01-31"}
    overridden = verdict.reasons[0].evidence
    assert (overridden["overridden_by"], overridden["overridden_outcome"]) == ("exception", "fail")


def test_exception_holds_through_its_expiry_date_then_warns():
    nc = subject("nc-lab/summarizer-base", "cc-by-nc-4.0")
    assert one(exception_policy(expires=TODAY.isoformat()), nc).verdict == "pass"
    expired = one(exception_policy(expires="2026-05-31"), nc)
    assert expired.verdict == "fail"
    assert pairs(expired) == [("license-denied", "fail"), ("exception-expired", "warn")]


def test_exception_pinned_to_a_revision_does_not_cover_another():
    nc = subject("nc-lab/summarizer-base", "cc-by-nc-4.0")
    assert one(exception_policy(revision=OLD_SHA), nc).verdict == "fail"
    assert one(exception_policy(revision=SHA[:10]), nc).verdict == "pass"


def test_exception_covers_a_model_not_in_the_catalogue():
    [verdict] = judge(exception_policy(), Subject("nc-lab/summarizer-base", None, None, ()))
    assert verdict.verdict == "pass"


# --- defaults and output ------------------------------------------------------------------------


def test_default_policy_denies_non_commercial_and_fails_base_license_conflicts():
    base = facts("org/nc-base", "cc-by-nc-4.0")
    derived = facts("org/derived", "mit", bases=(("org/nc-base", "finetune"),))
    subjects = [Subject(f.repo_id, None, f, tuple(audit(f, lineage={"org/nc-base": base}.get)))
                for f in (base, derived, facts("org/plain", "apache-2.0"))]
    verdicts = evaluate(DEFAULT_POLICY, subjects, context="research", today=TODAY)
    assert [v.verdict for v in verdicts] == ["fail", "fail", "pass"]
    assert "license-denied" in codes(verdicts[0], "fail")
    assert codes(verdicts[1], "fail") == ["base-license-conflict"]
    assert overall(verdicts) == "fail"


def test_default_policy_warns_about_license_changes():
    changed = ModelFacts("org/m", SHA, "mit", None, None, (), resolve("mit"), (), frozenset({"safetensors"}),
                         "false", previous_license=resolve("apache-2.0"), previous_sha=OLD_SHA)
    subjects = [Subject("org/m", None, changed, tuple(audit(changed)))]
    [verdict] = evaluate(DEFAULT_POLICY, subjects, context="saas")
    assert (verdict.verdict, codes(verdict, "warn")) == ("warn", ["license-changed"])


def test_overall_is_the_worst_verdict():
    def v(verdict: str) -> ModelVerdict:
        return ModelVerdict("a/b", None, verdict, (), None, "unknown")

    assert overall([]) == "pass"
    assert overall([v("pass"), v("warn")]) == "warn"
    assert overall([v("warn"), v("fail"), v("pass")]) == "fail"


def test_verdict_serialises_to_json():
    [verdict] = judge(EXAMPLE, subject(license="cc-by-nc-4.0", findings=(finding("gated"),)))
    data = json.loads(json.dumps(verdict.to_dict()))
    assert data["verdict"] == "fail" and data["revision"] == SHA
    assert data["reasons"][0]["code"] == "license-denied"
