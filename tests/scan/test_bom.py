"""`catalog bom` (CycloneDX 1.6 ML-BOM) and `catalog notices`, through the console entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from tests.factories import hub_item, load
from tests.scan.test_check import run

BASE_SHA = "b" * 40


@pytest.fixture
def project(factory, tmp_path: Path) -> Path:
    load(factory,
         hub_item("acme/base-model", license="cc-by-4.0", sha=BASE_SHA, card={"datasets": ["acme/corpus"]}),
         hub_item("acme/tuned", license="apache-2.0", card={"base_model": "acme/base-model", "language": ["en"]},
                  extra_tags=["base_model:finetune:acme/base-model"], safetensors={"total": 7_000_000_000}),
         hub_item("acme/custom", license="other", card={"license_name": "acme-custom"}),
         hub_item("acme/ofl-model", license="ofl-1.1"))
    root = tmp_path / "project"
    root.mkdir()
    (root / "app.py").write_text(
        "from transformers import AutoModel, pipeline\n"
        "m = AutoModel.from_pretrained('acme/tuned')\n"
        "p = pipeline('text-generation', model='acme/custom')\n"
        "q = pipeline('text-generation', model='acme/ofl-model')\n"
        "r = pipeline('text-generation', model='ghost/not-catalogued', revision='1234567')\n")
    return root


def test_bom_is_valid_cyclonedx_1_6_with_models_licenses_and_lineage(project, db_url):
    done = run(".", "--output", "bom.json", command="bom", db_url=db_url, cwd=project)
    assert done.returncode == 0, done.stderr
    text = (project / "bom.json").read_text()
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    bom = json.loads(text)
    assert bom["specVersion"] == "1.6" and bom["metadata"]["component"]["name"] == "project"
    components = {c["purl"]: c for c in bom["components"]}
    tuned = components["pkg:huggingface/acme/tuned@" + "a" * 40]
    assert tuned["type"] == "machine-learning-model" and tuned["group"] == "acme" and tuned["name"] == "tuned"
    assert tuned["version"] == "a" * 40
    apache = {"id": "Apache-2.0", "url": "https://www.apache.org/licenses/LICENSE-2.0"}
    cc_by = {"id": "CC-BY-4.0", "url": "https://creativecommons.org/licenses/by/4.0/legalcode"}
    # Declared: what the card says; concluded adds what the fine-tune inherits from its base.
    assert sorted(tuned["licenses"], key=lambda x: json.dumps(x, sort_keys=True)) == sorted([
        {"license": {**apache, "acknowledgement": "declared"}},
        {"license": {**cc_by, "acknowledgement": "concluded"}},
    ], key=lambda x: json.dumps(x, sort_keys=True))
    assert tuned["supplier"]["name"] == "acme" and tuned["authors"] == [{"name": "acme"}]
    [ancestor] = tuned["pedigree"]["ancestors"]
    assert ancestor["purl"] == f"pkg:huggingface/acme/base-model@{BASE_SHA}"
    assert {"type": "license", "url": cc_by["url"],
            "comment": "Creative Commons Attribution 4.0: inherited from acme/base-model"} in tuned["externalReferences"]
    assert bom["metadata"]["tools"]["components"][0]["name"] == "catalog"
    assert {"name": "huggingface:parameters", "value": "7000000000"} in tuned["properties"]
    assert tuned["modelCard"]["modelParameters"]["task"] == "text-generation"
    assert {"type": "website", "url": "https://huggingface.co/acme/tuned"} in tuned["externalReferences"]
    base = components[f"pkg:huggingface/acme/base-model@{BASE_SHA}"]
    assert base["licenses"] == [{"license": {**cc_by, "acknowledgement": "declared"}}]
    assert base["modelCard"]["modelParameters"]["datasets"][0]["name"] == "acme/corpus"
    custom = components["pkg:huggingface/acme/custom@" + "a" * 40]
    assert {"license": {"name": "acme-custom", "acknowledgement": "declared"}} in custom["licenses"]
    ghost = components["pkg:huggingface/ghost/not-catalogued@1234567"]
    assert {"name": "catalog:in-catalogue", "value": "false"} in ghost["properties"]
    depends = {d["ref"]: d.get("dependsOn", []) for d in bom["dependencies"]}
    assert depends[tuned["bom-ref"]] == [base["bom-ref"]]
    assert tuned["bom-ref"] in depends["catalog:project"] and base["bom-ref"] not in depends["catalog:project"]


def test_notices_group_duties_by_license(project, db_url):
    done = run(".", command="notices", db_url=db_url, cwd=project)
    assert done.returncode == 0, done.stderr
    text = done.stdout
    apache = text[text.index("(apache-2.0)"):text.index("\n## ", text.index("(apache-2.0)"))]
    assert "- acme/tuned@aaaaaaa" in apache
    assert "License text: https://www.apache.org/licenses/LICENSE-2.0" in apache
    assert "### Ship a copy of the license" in apache
    cc_by = text[text.index("(cc-by-4.0)"):]
    # The fine-tune inherits its base's attribution duty.
    assert "- acme/tuned@aaaaaaa (inherited from acme/base-model)" in cc_by
    assert "### Naming rules for derivatives" in text and "Reserved Font Name" in text
    assert "## Licenses catalog could not determine" in text and "acme/custom@aaaaaaa" in text
    assert "## Models not in the catalogue" in text and "ghost/not-catalogued@1234567" in text


def test_notices_show_the_notice_a_license_asks_for(factory, tmp_path):
    load(factory, hub_item("acme/Llama-3.1-tuned", license="llama3.1"))
    (tmp_path / "models.txt").write_text("acme/Llama-3.1-tuned\n")
    out = tmp_path / "NOTICE.md"
    done = run(".", "--output", str(out), command="notices",
               db_url=factory.kw["bind"].url.render_as_string(hide_password=False), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    text = out.read_text()
    # Llama 3.1 §1.b.i: "prominently display 'Built with Llama'"; §1.b.iii: retain the attribution
    # notice "within a 'Notice' text file distributed as a part of such copies".
    display = text[text.index("### Notices to display"):text.index("### NOTICE file text")]
    notice_file = text[text.index("### NOTICE file text"):]
    assert "> Built with Llama" in display and "Llama 3.1 is licensed" not in display
    assert "Llama 3.1 is licensed under the Llama 3.1 Community License" in notice_file.split("### ", 2)[1]
    # Each duty is stated once (the naming rule was followed by the same rule reworded).
    naming = text[text.index("### Naming rules for derivatives"):].split("\n### ")[0]
    assert naming.count('"Llama"') == 1, naming


def test_bom_gives_licenseref_ids_as_an_expression_with_the_inherited_license(factory, tmp_path):
    """A custom AI license is a LicenseRef-, which CycloneDX admits in an expression, not in license.id."""
    load(factory,
         hub_item("meta-llama/Llama-3.1-8B", license="llama3.1", sha=BASE_SHA),
         hub_item("acme/Llama-3.1-tuned", license="apache-2.0", card={"base_model": "meta-llama/Llama-3.1-8B"},
                  extra_tags=["base_model:finetune:meta-llama/Llama-3.1-8B"]),
         hub_item("deepseek-ai/DeepSeek-R1-Distill-Llama-8B", license="mit"))
    (tmp_path / "models.txt").write_text("acme/Llama-3.1-tuned\ndeepseek-ai/DeepSeek-R1-Distill-Llama-8B\n")
    done = run(".", "--output", "bom.json", command="bom",
               db_url=factory.kw["bind"].url.render_as_string(hide_password=False), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    text = (tmp_path / "bom.json").read_text()
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    components = {c["name"]: c for c in json.loads(text)["components"]}
    assert components["Llama-3.1-tuned"]["licenses"] == [
        {"expression": "Apache-2.0 AND LicenseRef-scancode-llama-3.1-license-2024", "acknowledgement": "concluded"}]
    assert components["Llama-3.1-8B"]["licenses"] == [
        {"expression": "LicenseRef-scancode-llama-3.1-license-2024", "acknowledgement": "declared"}]
    assert not any("name" in entry.get("license", {}) for c in components.values() for entry in c.get("licenses", []))
    # The curated lineage table names the distill's base, which the card does not (not catalogued here).
    distill = components["DeepSeek-R1-Distill-Llama-8B"]
    assert distill["licenses"] == [
        {"expression": "MIT AND LicenseRef-scancode-llama-3.1-license-2024", "acknowledgement": "concluded"}]
    assert distill["pedigree"]["ancestors"][0]["name"] == "Llama-3.1-8B"


def test_notices_print_the_qwen_research_notice(factory, tmp_path):
    # Qwen RESEARCH LICENSE AGREEMENT §3.c: keep the attribution notice in a "Notice" text file.
    load(factory, hub_item("Qwen/Qwen2.5-3B-Instruct", license="other", card={"license_name": "qwen-research"}))
    (tmp_path / "models.txt").write_text("Qwen/Qwen2.5-3B-Instruct\n")
    done = run(".", command="notices", db_url=factory.kw["bind"].url.render_as_string(hide_password=False),
               cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    notice_file = done.stdout[done.stdout.index("### NOTICE file text"):]
    assert ("Qwen is licensed under the Qwen RESEARCH LICENSE AGREEMENT, Copyright (c) Alibaba Cloud. "
            "All Rights Reserved.") in notice_file
    assert "> Built with Qwen" in done.stdout
