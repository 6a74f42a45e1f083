"""The license knowledge base: coverage of the Hub's ids, facts users rely on, and strict validation."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import license_expression
import pytest
import yaml

from catalog.licenses import CATEGORIES, CONTEXTS, OBLIGATION_KINDS, knowledge_base
from catalog.resources import data_path

# The Hub's license identifiers (hub-docs docs/hub/repositories-licenses.md @ 242f4a1e), kept here
# so that the test runs without the shared folder.
HUB_IDS = (
    "apache-2.0", "mit", "openrail", "bigscience-openrail-m", "creativeml-openrail-m",
    "bigscience-bloom-rail-1.0", "bigcode-openrail-m", "afl-3.0", "artistic-2.0", "bsl-1.0", "bsd",
    "bsd-2-clause", "bsd-3-clause", "bsd-3-clause-clear", "c-uda", "cc", "cc0-1.0", "cc-by-2.0",
    "cc-by-2.5", "cc-by-3.0", "cc-by-4.0", "cc-by-sa-3.0", "cc-by-sa-4.0", "cc-by-nc-2.0",
    "cc-by-nc-3.0", "cc-by-nc-4.0", "cc-by-nd-4.0", "cc-by-nc-nd-3.0", "cc-by-nc-nd-4.0",
    "cc-by-nc-sa-2.0", "cc-by-nc-sa-3.0", "cc-by-nc-sa-4.0", "cdla-sharing-1.0", "cdla-permissive-1.0",
    "cdla-permissive-2.0", "wtfpl", "ecl-2.0", "epl-1.0", "epl-2.0", "etalab-2.0", "eupl-1.1", "eupl-1.2",
    "agpl-3.0", "gfdl", "gpl", "gpl-2.0", "gpl-3.0", "lgpl", "lgpl-2.1", "lgpl-3.0", "isc", "h-research",
    "intel-research", "lppl-1.3c", "ms-pl", "apple-ascl", "apple-amlr", "mpl-2.0", "odc-by", "odbl",
    "openmdw-1.0", "openmdw-1.1", "openrail++", "osl-3.0", "postgresql", "ofl-1.1", "ncsa", "unlicense",
    "zlib", "pddl", "lgpl-lr", "deepfloyd-if-license", "fair-noncommercial-research-license", "llama2",
    "llama3", "llama3.1", "llama3.2", "llama3.3", "llama4", "grok2-community", "gemma", "unknown", "other",
)  # fmt: skip

SHARED = Path(os.environ.get("CATALOG_SHARED_DIR") or Path(__file__).resolve().parents[3] / "shared")
HUB_TABLE = SHARED / "hub-data" / "hub-docs" / "repositories-licenses.md"
MARKERS = {"other", "unknown"}


@pytest.fixture(scope="module")
def kb():
    return knowledge_base()


def test_the_copy_of_the_hub_list_has_83_distinct_ids():
    assert len(HUB_IDS) == len(set(HUB_IDS)) == 83


def test_the_copy_of_the_hub_list_matches_the_hub_docs_table():
    if not HUB_TABLE.is_file():
        pytest.skip(f"{HUB_TABLE} not available")
    text = HUB_TABLE.read_text(encoding="utf-8")
    region = text.split("<!-- region licenses -->", 1)[1].split("<!-- endregion -->", 1)[0]
    parsed = re.findall(r"^\|[^|]+\|\s*`([^`]+)`\s*\|", region, flags=re.MULTILINE)
    assert sorted(parsed) == sorted(HUB_IDS)


@pytest.mark.parametrize("hub_id", HUB_IDS)
def test_every_hub_id_is_in_the_knowledge_base(kb, hub_id):
    entry = kb.get(hub_id)
    assert entry is not None and entry.id == hub_id


def test_vocabularies_are_the_documented_ones():
    assert set(CATEGORIES) == {
        "public-domain", "permissive", "weak-copyleft", "copyleft", "open-rail", "community",
        "no-derivatives", "non-commercial", "proprietary", "mixed", "unlicensed", "unknown",
    }  # fmt: skip
    assert CONTEXTS == ("research", "internal", "saas", "redistribution")
    assert {"attribution", "user-threshold", "source-disclosure", "territory"} <= set(OBLIGATION_KINDS)


def test_every_entry_is_complete_and_cites_a_declared_source(kb):
    for entry in kb:
        if entry.id in MARKERS:
            assert entry.category == "unknown"
        else:
            assert entry.category in CATEGORIES and entry.category not in ("unknown", "unlicensed"), entry.id
        assert entry.url.startswith(("https://", "http://")), entry.id
        assert entry.sources and all(source.split()[0] in kb.sources for source in entry.sources), entry.id
        assert set(entry.verdicts) == set(CONTEXTS), entry.id


@pytest.mark.parametrize("hub_id", ["llama2", "llama3", "llama3.1", "llama3.2", "llama3.3", "llama4"])
def test_llama_attribution_obligations_carry_the_notice_text(kb, hub_id):
    attributions = [
        obligation for obligation in kb.get(hub_id).obligations if obligation.kind == "attribution"
    ]
    assert attributions and all(obligation.notice for obligation in attributions)
    version = {"llama2": "Llama 2", "llama3": "Meta Llama 3"}.get(hub_id, f"Llama {hub_id[5:]}")
    assert any(obligation.notice.startswith(f"{version} is licensed under") for obligation in attributions)


@pytest.mark.parametrize(
    ("hub_id", "display"),
    [("llama3", "Built with Meta Llama 3"), ("llama3.1", "Built with Llama"), ("llama4", "Built with Llama")],
)
def test_llama_3_and_later_require_a_built_with_display(kb, hub_id, display):
    notices = {
        obligation.notice for obligation in kb.get(hub_id).obligations if obligation.kind == "attribution"
    }
    assert display in notices


@pytest.mark.parametrize("hub_id", ["llama2", "llama3", "llama3.1", "llama3.2", "llama3.3", "llama4"])
def test_llama_licenses_need_a_separate_license_above_700_million_monthly_users(kb, hub_id):
    entry = kb.get(hub_id)
    (threshold,) = [obligation for obligation in entry.obligations if obligation.kind == "user-threshold"]
    assert threshold.threshold == 700_000_000
    assert "user-threshold" in entry.verdicts["internal"].obligations


def test_llama_3_1_dropped_the_ban_on_training_other_models_with_outputs(kb):
    assert kb.get("llama3").has("output-restrictions") and kb.get("llama2").has("output-restrictions")
    assert not kb.get("llama3.1").has("output-restrictions")
    naming = next(
        obligation for obligation in kb.get("llama3.1").obligations if obligation.kind == "naming-rule"
    )
    assert '"Llama"' in naming.detail["rule"]


@pytest.mark.parametrize("hub_id", ["llama3.2", "llama4"])
def test_multimodal_llama_releases_are_restricted_in_the_eu(kb, hub_id):
    entry = kb.get(hub_id)
    territories = [obligation for obligation in entry.obligations if obligation.kind == "territory"]
    assert [obligation.detail["region"] for obligation in territories] == ["EU"]
    assert "territory" in entry.verdicts["internal"].obligations


@pytest.mark.parametrize(
    ("license_id", "threshold", "currency"),
    [
        ("tongyi-qianwen", 100_000_000, None),
        ("qwen", 100_000_000, None),
        ("stabilityai-ai-community", 1_000_000, "USD"),
    ],
)
def test_commercial_thresholds_of_vendor_licenses(kb, license_id, threshold, currency):
    (obligation,) = [o for o in kb.get(license_id).obligations if o.kind.endswith("-threshold")]
    assert obligation.threshold == threshold
    assert obligation.detail.get("currency") == currency


def test_cc_by_nc_4_0_allows_research_but_not_commercial_use(kb):
    entry = kb.get("cc-by-nc-4.0")
    assert entry.category == "non-commercial"
    assert entry.verdicts["research"].status == "allowed"
    assert entry.verdicts["saas"].status == "not-allowed"
    assert entry.verdicts["internal"].status == "not-allowed"
    assert "non-commercial" in entry.verdicts["redistribution"].obligations


def test_agpl_requires_source_disclosure_to_network_users_but_gpl_does_not(kb):
    agpl = kb.get("agpl-3.0")
    assert any(o.kind == "source-disclosure" and o.detail.get("network") is True for o in agpl.obligations)
    assert agpl.verdicts["saas"].status == "conditional"
    assert "source-disclosure" in agpl.verdicts["saas"].obligations
    gpl = kb.get("gpl-3.0")
    assert not any(o.detail.get("network") for o in gpl.obligations)
    assert gpl.verdicts["saas"].status == "allowed"


def test_apache_2_0_is_never_blocked_and_only_redistribution_has_duties(kb):
    entry = kb.get("apache-2.0")
    assert entry.category == "permissive" and entry.spdx == "Apache-2.0"
    assert [entry.verdicts[c].status for c in CONTEXTS] == ["allowed", "allowed", "allowed", "conditional"]
    assert set(entry.verdicts["redistribution"].obligations) == {
        "license-copy",
        "attribution",
        "state-changes",
    }


@pytest.mark.parametrize(
    ("license_id", "category"),
    [
        ("cc0-1.0", "public-domain"), ("mit", "permissive"), ("mpl-2.0", "weak-copyleft"),
        ("gpl-3.0", "copyleft"), ("creativeml-openrail-m", "open-rail"), ("deepseek", "open-rail"),
        ("llama3.1", "community"), ("gemma", "community"), ("mrl", "non-commercial"),
        ("qwen-research", "non-commercial"), ("fair-noncommercial-research-license", "non-commercial"),
    ],
)  # fmt: skip
def test_categories_of_key_licenses(kb, license_id, category):
    assert kb.get(license_id).category == category


def test_non_commercial_licenses_forbid_internal_and_saas_use(kb):
    for entry in kb:
        if entry.id in MARKERS:
            continue
        assert (entry.category == "non-commercial") == entry.has("non-commercial"), entry.id
        if entry.has("non-commercial"):
            assert entry.verdicts["internal"].status == entry.verdicts["saas"].status == "not-allowed", (
                entry.id
            )


def test_public_domain_licenses_carry_no_duties(kb):
    for entry in kb:
        if entry.category == "public-domain":
            assert not entry.obligations
            assert {verdict.status for verdict in entry.verdicts.values()} == {"allowed"}


@pytest.mark.parametrize(
    "license_id",
    ["tongyi-qianwen", "tongyi-qianwen-research", "qwen", "qwen-research", "deepseek", "mnpl", "mrl",
     "falcon-llm-license", "stabilityai-ai-community", "nvidia-open-model-license", "llama-license"],
)  # fmt: skip
def test_custom_licenses_seen_as_license_other_are_covered(kb, license_id):
    assert kb.get(license_id) is not None


def test_spdx_ids_are_current_spdx_identifiers(kb):
    index_path = Path(license_expression.__file__).parent / "data" / "scancode-licensedb-index.json"
    index = json.loads(index_path.read_text(encoding="utf-8"))
    current = {entry["spdx_license_key"] for entry in index if entry.get("spdx_license_key")}
    # OpenMDW-1.0 entered the SPDX list (license-list-XML src/OpenMDW-1.0.xml) after the ScanCode
    # index bundled with license-expression 30.4 was built.
    newer_than_index = {"OpenMDW-1.0"}
    for entry in kb:
        if not entry.spdx.startswith("LicenseRef-"):
            assert entry.spdx in current or entry.spdx in newer_than_index, entry.id


def test_lookup_is_by_id_only_and_case_insensitive(kb):
    assert kb.get("Apache-2.0") is kb.get("apache-2.0")
    assert kb.get("Apache 2.0") is None
    assert kb.get(None) is None


def test_all_is_sorted_and_matches_iteration(kb):
    ids = [entry.id for entry in kb.all()]
    assert ids == sorted(ids) == [entry.id for entry in kb]
    assert len(kb) == len(ids) == len(set(ids))


def test_to_dict_is_json_ready_and_keeps_notices(kb):
    data = json.loads(json.dumps(kb.get("llama3.1").to_dict()))
    assert data["id"] == "llama3.1"
    assert set(data["verdicts"]) == set(CONTEXTS)
    assert "Built with Llama" in [obligation["notice"] for obligation in data["obligations"]]
    assert {"kind", "summary", "clause", "notice", "threshold", "detail"} <= set(data["obligations"][0])


def test_default_knowledge_base_is_cached_and_versioned_by_file_content(kb, tmp_path):
    assert knowledge_base() is kb
    copy = tmp_path / "licenses.yaml"
    copy.write_bytes(data_path("licenses", "licenses.yaml").read_bytes())
    assert knowledge_base(copy).version == kb.version
    copy.write_bytes(copy.read_bytes() + b"\n# edited\n")
    assert knowledge_base(copy).version != kb.version


# --- validation ------------------------------------------------------------------------------------


def _valid_document() -> dict:
    return {
        "schema_version": 1,
        "sources": {"CAL": "github/choosealicense.com"},
        "licenses": [
            {
                "id": "mit",
                "name": "MIT",
                "aliases": ["MIT License"],
                "spdx": "MIT",
                "category": "permissive",
                "url": "https://opensource.org/licenses/MIT",
                "sources": ["CAL _licenses/mit.txt"],
                "obligations": [{"kind": "attribution", "summary": "Keep the notice.", "clause": "¶2"}],
                "verdicts": {
                    "research": {"status": "allowed"},
                    "internal": {"status": "allowed"},
                    "saas": {"status": "allowed"},
                    "redistribution": {"status": "conditional", "obligations": ["attribution"]},
                },
            }
        ],
    }


def _write(tmp_path: Path, document: dict) -> Path:
    path = tmp_path / "licenses.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


def test_a_valid_minimal_file_loads(tmp_path):
    kb = knowledge_base(_write(tmp_path, _valid_document()))
    assert [entry.id for entry in kb] == ["mit"]


def _set(path: tuple, value):
    def mutate(document):
        target = document["licenses"][0]
        for key in path[:-1]:
            target = target[key]
        if value is _DELETE:
            del target[path[-1]]
        else:
            target[path[-1]] = value

    return mutate


_DELETE = object()


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (_set(("category",), "open-source"), "category"),
        (_set(("category",), "unknown"), "category"),
        (_set(("url",), _DELETE), "url"),
        (_set(("url",), "opensource.org/licenses/MIT"), "url"),
        (_set(("sources",), []), "sources"),
        (_set(("sources",), ["WIKIPEDIA MIT"]), "sources"),
        (_set(("spdx",), "MIT License"), "spdx"),
        (_set(("obligations", 0, "kind"), "credit"), "obligations[0].kind"),
        (_set(("obligations", 0, "clause"), ""), "obligations[0].clause"),
        (_set(("obligations", 0, "threshold"), 5), "obligations[0].threshold"),
        (_set(("verdicts", "saas"), _DELETE), "verdicts"),
        (_set(("verdicts", "saas", "status"), "maybe"), "verdicts.saas.status"),
        (_set(("verdicts", "redistribution", "obligations"), []), "verdicts.redistribution.obligations"),
        (_set(("verdicts", "research"), {"status": "conditional", "obligations": ["share-alike"]}),
         "verdicts.research.obligations"),
        (_set(("notes",), "extra"), "notes"),
    ],
)  # fmt: skip
def test_validation_errors_name_the_entry_and_the_field(tmp_path, mutate, field):
    document = _valid_document()
    mutate(document)
    with pytest.raises(ValueError, match=rf"license 'mit': field '{re.escape(field)}'"):
        knowledge_base(_write(tmp_path, document))


def test_a_threshold_obligation_without_its_threshold_is_rejected(tmp_path):
    document = _valid_document()
    document["licenses"][0]["obligations"].append({"kind": "user-threshold", "summary": "s", "clause": "§2"})
    with pytest.raises(ValueError, match=r"license 'mit': field 'obligations\[1\]\.threshold'"):
        knowledge_base(_write(tmp_path, document))


def test_duplicate_ids_and_ambiguous_aliases_are_rejected(tmp_path):
    document = _valid_document()
    document["licenses"].append(json.loads(json.dumps(document["licenses"][0])))
    with pytest.raises(ValueError, match=r"license 'mit': field 'id'"):
        knowledge_base(_write(tmp_path, document))

    document = _valid_document()
    other = json.loads(json.dumps(document["licenses"][0]))
    other.update(
        id="isc", name="ISC", spdx="ISC", url="https://opensource.org/licenses/ISC", aliases=["MIT License"]
    )
    document["licenses"].append(other)
    with pytest.raises(ValueError, match=r"license '(mit|isc)': field 'aliases'.*ambiguous"):
        knowledge_base(_write(tmp_path, document))


def test_duplicate_yaml_keys_are_rejected_instead_of_silently_overwritten(tmp_path):
    path = _write(tmp_path, _valid_document())
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "  category: permissive\n", "  category: permissive\n  category: copyleft\n"
        ),
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="duplicate key 'category'"):
        knowledge_base(path)
