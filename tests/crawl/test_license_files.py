"""License files end to end: the real huggingface_hub HTTP stack against the fake Hub serving
real license texts (from shared/hub-data), through detection, reconciliation, findings and
team decisions."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from catalog.crawl.hub import HubClient, RetryPolicy
from catalog.crawl.license_files import fetch_license_files, license_paths, readme_license_section
from catalog.crawl.sync import SyncOptions, run_sync
from catalog.db.engine import transaction
from catalog.db.tables import AuditFinding, HubModel, LicenseText, ModelLicenseFile, Team
from catalog.facts.license_view import describe_text_changes
from catalog.facts.record import model_record
from catalog.hubsim.server import HubServer, HubStore
from catalog.teams.accounts import Actor, add_team
from catalog.teams.flags import add_flag, model_flags, review_queue, text_changes
from tests.conftest import SHARED

LLAMA = SHARED / "hub-data" / "meta-llama_llama-models"
MODELGO = SHARED / "hub-data" / "modelgo" / "license_raw"
pytestmark = pytest.mark.skipif(not LLAMA.is_dir(), reason="needs the shared/hub-data license texts")
TOKEN = "hf_test_token_with_access"


def item(repo_id: str, *, sha: str, card: dict | None = None, files: tuple[str, ...] = (), gated: object = False) -> dict:
    return {"id": repo_id, "sha": sha, "lastModified": "2024-05-01T00:00:00.000Z", "gated": gated,
            "cardData": card or {}, "tags": [], "siblings": [{"rfilename": f} for f in ("config.json", *files)]}


@pytest.fixture
def texts() -> dict[str, str]:
    return {"llama3": (LLAMA / "llama3" / "LICENSE").read_text(), "mit": (MODELGO / "MIT.txt").read_text(),
            "apache": (MODELGO / "Apache-2.0.txt").read_text()}


@pytest.fixture
def store(texts: dict[str, str]) -> HubStore:
    store = HubStore([
        item("acme/bare-other", sha="a" * 40, card={"license": "other"}, files=("LICENSE",)),
        item("acme/mit-but-llama", sha="b" * 40, card={"license": "mit"}, files=("LICENSE",)),
        item("acme/apache", sha="c" * 40, card={"license": "apache-2.0"}, files=("LICENSE",)),
        item("acme/gated", sha="d" * 40, files=("LICENSE",), gated="manual"),
        item("acme/custom", sha="e" * 40, files=("LICENSE.md",)),
        item("acme/vanished", sha="f" * 40, files=("LICENSE",)),
        item("acme/card-only", sha="1" * 40, files=("README.md",)),
    ])
    store.put_file("acme/bare-other", "LICENSE", texts["llama3"])
    store.put_file("acme/mit-but-llama", "LICENSE", texts["llama3"])
    store.put_file("acme/apache", "LICENSE", texts["apache"])
    store.put_file("acme/gated", "LICENSE", texts["mit"])
    store.put_file("acme/custom", "LICENSE.md", "# ACME Model Terms\n\nYou may look at the weights on Tuesdays only."
                   " Everything else needs our written consent, which we never give to anyone at all.\n")
    store.put_file("acme/card-only", "README.md", "---\nlicense: null\n---\n# Model\n\nText.\n\n## License\n\n"
                   + texts["mit"] + "\n## Citation\n\nNone.\n")
    return store


@pytest.fixture
def hub(store: HubStore):
    with HubServer(store, token=TOKEN) as server:
        yield server


def client_for(server: HubServer) -> HubClient:
    return HubClient(endpoint=server.url, retry=RetryPolicy(max_tries=3, backoff_base=0.01, backoff_max=0.02))


def file_requests(server: HubServer) -> list[str]:
    return [r.path for r in server.requests if "/resolve/" in r.path]


def synced(factory, hub: HubServer, **kwargs):
    client = client_for(hub)
    assert run_sync(factory, client, SyncOptions(full=True)).status == "completed"
    return fetch_license_files(factory, client, **kwargs)


def new_revision(factory, hub: HubServer, repo_id: str, sha: str, *, text: str | None = None, path: str = "LICENSE"):
    """The model moves to a new commit on the Hub (optionally with a new text), and a sync sees it."""
    model = hub.store.get(repo_id)
    hub.store.put({**model, "sha": sha, "lastModified": f"2025-06-{10 + int(sha[0], 16)}T00:00:00.000Z"})
    if text is not None:
        hub.store.put_file(repo_id, path, text)
    assert run_sync(factory, client_for(hub), SyncOptions(full=True)).status == "completed"


def files_of(factory, repo_id: str) -> dict[str, ModelLicenseFile]:
    with transaction(factory) as session:
        model = session.scalar(select(HubModel).where(HubModel.repo_id == repo_id))
        return {f.path: f for f in session.scalars(select(ModelLicenseFile).where(ModelLicenseFile.model_id == model.id))}


def findings_of(factory, repo_id: str) -> dict[str, AuditFinding]:
    with transaction(factory) as session:
        model = session.scalar(select(HubModel).where(HubModel.repo_id == repo_id))
        return {f.code: f for f in session.scalars(select(AuditFinding).where(AuditFinding.model_id == model.id))}


def record(factory, repo_id: str) -> dict:
    with transaction(factory) as session:
        return model_record(session, repo_id)


def test_license_file_names_are_recognised_at_the_top_of_the_repository_only() -> None:
    assert license_paths(["LICENSE", "LICENSE.txt", "licence.md", "COPYING", "USE_POLICY.md", "NOTICE", "README.md",
                          "docs/LICENSE", "model.safetensors", "LICENSE-weights.pdf"]) == \
        ["COPYING", "LICENSE", "LICENSE-weights.pdf", "LICENSE.txt", "NOTICE", "USE_POLICY.md", "licence.md"]


def test_the_license_section_of_a_card_ends_at_the_next_heading_of_its_level() -> None:
    card = "---\nlicense: other\n---\n# M\n## License\nSee below.\n### Terms\nNo.\n## Citation\nx\n"
    assert readme_license_section(card) == "## License\nSee below.\n### Terms\nNo."
    assert readme_license_section("# M\n\nNo such section.\n") is None


def test_a_bare_other_is_resolved_from_the_shipped_llama_text(factory, hub) -> None:
    summary = synced(factory, hub)
    assert summary.error is None
    [license_file] = files_of(factory, "acme/bare-other").values()
    assert (license_file.path, license_file.revision, license_file.detected_license) == ("LICENSE", "a" * 40, "llama3")
    assert license_file.score >= 0.99 and len(license_file.sha256) == 64
    rec = record(factory, "acme/bare-other")
    assert (rec["license"]["id"], rec["license"]["status"]) == ("llama3", "resolved")
    assert rec["license_text"]["declared"]["status"] == "unknown"
    assert rec["license_text"]["detected"] == ["llama3"]
    detected = findings_of(factory, "acme/bare-other")["license-detected"]
    assert detected.severity == "info" and detected.evidence["files"][0]["license"] == "llama3"
    assert "license-unknown" not in findings_of(factory, "acme/bare-other")
    # A sync writing a new revision of the model re-derives it from the files already read.
    new_revision(factory, hub, "acme/bare-other", "5" * 40)
    assert record(factory, "acme/bare-other")["license"]["id"] == "llama3"
    assert "license-detected" in findings_of(factory, "acme/bare-other")
    # The Llama agreement may not be copied on its own: only its hash and first lines are kept.
    with transaction(factory) as session:
        kept = session.get(LicenseText, license_file.sha256)
        assert kept.text is None and kept.first_lines.startswith("META LLAMA 3 COMMUNITY LICENSE AGREEMENT")


def test_models_declaring_a_known_license_are_read_only_with_license_files(factory, hub, texts) -> None:
    synced(factory, hub)
    assert files_of(factory, "acme/mit-but-llama") == {}
    assert not any("mit-but-llama" in p for p in file_requests(hub))
    fetch_license_files(factory, client_for(hub), every_model=True)
    mismatch = findings_of(factory, "acme/mit-but-llama")["license-text-mismatch"]
    assert mismatch.severity == "error"
    assert (mismatch.evidence["declared"], mismatch.evidence["license"]) == (["mit"], "llama3")
    rec = record(factory, "acme/mit-but-llama")
    assert rec["license_text"]["declared"]["ids"] == ["mit"] and rec["license_text"]["detected"] == ["llama3"]
    # Both apply, and the stricter decides what the policy sees.
    assert rec["license"]["ids"] == ["mit", "llama3"] and rec["license"]["id"] == "llama3"
    assert "license-text-mismatch" not in findings_of(factory, "acme/apache")
    apache = files_of(factory, "acme/apache")["LICENSE"]
    with transaction(factory) as session:  # the Apache text may be copied: it is kept whole
        assert session.get(LicenseText, apache.sha256).text == texts["apache"]


def test_an_unknown_text_is_a_warning_with_its_first_line(factory, hub) -> None:
    synced(factory, hub)
    warning = findings_of(factory, "acme/custom")["license-text-unrecognised"]
    assert warning.severity == "warning" and warning.evidence["first_line"] == "# ACME Model Terms"
    assert record(factory, "acme/custom")["license"]["status"] == "missing"


def test_the_card_license_section_is_read_when_no_license_file_exists(factory, hub) -> None:
    synced(factory, hub)
    section = files_of(factory, "acme/card-only")["README.md#license"]
    assert section.detected_license == "mit"
    assert record(factory, "acme/card-only")["license"]["id"] == "mit"


def test_a_listed_file_the_hub_does_not_have_is_recorded_as_not_found(factory, hub) -> None:
    summary = synced(factory, hub)
    assert files_of(factory, "acme/vanished")["LICENSE"].status == "not-found"
    # Counted as such: a pass's summary accounts for every request it made.
    # (The gated model's files are not readable without a token: counted, never requested.)
    assert summary.not_found == 1 and summary.requests == summary.fetched + summary.not_found
    assert "license-detected" not in findings_of(factory, "acme/vanished")


def test_a_gated_model_is_read_only_with_a_token_that_has_access(factory, hub, monkeypatch) -> None:
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setattr(HubClient, "has_token", lambda self: False)
    synced(factory, hub)
    assert files_of(factory, "acme/gated")["LICENSE"].status == "gated"
    assert not any("acme/gated" in p for p in file_requests(hub))  # no token: not even asked

    new_revision(factory, hub, "acme/gated", "9" * 40)
    monkeypatch.setattr(HubClient, "has_token", lambda self: True)
    monkeypatch.setenv("HF_TOKEN", "hf_a_token_without_access")
    fetch_license_files(factory, client_for(hub))
    assert files_of(factory, "acme/gated")["LICENSE"].status == "private"  # 401: the token is refused

    monkeypatch.setenv("HF_TOKEN", TOKEN)
    new_revision(factory, hub, "acme/gated", "8" * 40)
    fetch_license_files(factory, client_for(hub))
    gated = files_of(factory, "acme/gated")["LICENSE"]
    assert (gated.status, gated.detected_license) == ("ok", "mit")
    assert [r.headers.get("authorization") for r in hub.requests if "acme/gated" in r.path][-1] == f"Bearer {TOKEN}"


def test_only_what_changed_is_fetched_again(factory, hub, texts) -> None:
    synced(factory, hub, every_model=True)
    before = len(file_requests(hub))
    again = fetch_license_files(factory, client_for(hub), every_model=True)
    assert (again.requests, len(file_requests(hub))) == (0, before)  # same revisions: no request at all

    # A new revision with the same text: one conditional request, answered 304 without a body.
    new_revision(factory, hub, "acme/apache", "7" * 40)
    third = fetch_license_files(factory, client_for(hub), every_model=True)
    assert (third.requests, third.unchanged, third.fetched) == (1, 1, 0)
    last = [r for r in hub.requests if "/resolve/" in r.path][-1]
    assert last.path == f"/acme/apache/resolve/{'7' * 40}/LICENSE" and last.status == 304
    assert last.headers["if-none-match"].strip('"') == files_of(factory, "acme/apache")["LICENSE"].etag
    assert files_of(factory, "acme/apache")["LICENSE"].revision == "7" * 40


def test_a_changed_text_at_a_new_revision_makes_an_approval_stale(factory, hub, texts) -> None:
    synced(factory, hub, every_model=True)
    with transaction(factory) as session:
        team = add_team(session, "ml", Actor("test"))
        model = session.scalar(select(HubModel).where(HubModel.repo_id == "acme/apache"))
        flag = add_flag(session, model, team, "approved", Actor("test"))
        assert flag.license_texts == [{"path": "LICENSE", "sha256": model.license_files[0].sha256}]
        first_sha = model.license_files[0].sha256

    # The owner edits the text (a clause dropped) at a new revision; the license id stays apache-2.0.
    edited = texts["apache"].replace("   9. Accepting Warranty or Additional Liability.", "   9. Nothing more.")
    assert edited != texts["apache"]
    new_revision(factory, hub, "acme/apache", "6" * 40, text=edited)
    fetch_license_files(factory, client_for(hub), every_model=True)

    with transaction(factory) as session:
        model = session.scalar(select(HubModel).where(HubModel.repo_id == "acme/apache"))
        assert model.license_ids == ["apache-2.0"]
        [current] = model_flags(session, model)["current"]
        assert current["stale"] is True
        [change] = current["text_changes"]
        assert (change["path"], change["then"]) == ("LICENSE", first_sha) and change["now"] != first_sha
        [described] = describe_text_changes(session, current["text_changes"])
        changed = [line for line in described["diff"] if line[:1] in "+-" and line[:3] not in ("+++", "---")]
        assert changed[0].startswith("-   9. Accepting Warranty or Additional Liability.")
        assert changed[1].startswith("+   9. Nothing more.")
        [queued] = review_queue(session, session.scalar(select(Team).where(Team.name == "ml")))
        assert [r["code"] for r in queued["reasons"]] == ["license-text-changed"]
        flag_row = session.get(type(flag), flag.id)
        assert text_changes(flag_row, model)


def test_a_pass_the_hub_stopped_is_finished_by_the_next_sync_and_then_nothing_is_looked_at_again(
        factory, hub, texts) -> None:
    client = client_for(hub)
    assert run_sync(factory, client, SyncOptions(full=True)).status == "completed"
    hub.faults.server_error = 1_000  # every file request fails: the pass gives up, keeping finished batches
    stopped = fetch_license_files(factory, client)
    assert stopped.error is not None and "LICENSE" not in files_of(factory, "acme/bare-other")

    # Nothing changed on the Hub, so the sync's walk writes nothing; the models the stopped pass
    # did not reach are read all the same.
    hub.faults.server_error = 0
    assert run_sync(factory, client, SyncOptions(full=True)).status == "completed"
    resumed = fetch_license_files(factory, client)
    assert resumed.error is None and resumed.fetched >= 3
    assert files_of(factory, "acme/bare-other")["LICENSE"].detected_license == "llama3"

    # Every model is now looked at its revision: no request, and no model's files considered.
    before = len(file_requests(hub))
    idle = fetch_license_files(factory, client)
    assert (idle.models, idle.requests, len(file_requests(hub))) == (0, 0, before)
    with transaction(factory) as session:
        unchecked = session.scalars(select(HubModel.repo_id).where(
            HubModel.removed_at.is_(None), HubModel.license_files_checked.is_distinct_from(HubModel.sha))).all()
    assert unchecked == []

    # A new commit with a new text is looked at again, and only it.
    new_revision(factory, hub, "acme/custom", "2" * 40, text=texts["mit"], path="LICENSE.md")
    changed = fetch_license_files(factory, client)
    assert (changed.models, changed.requests) == (1, 1)
    assert files_of(factory, "acme/custom")["LICENSE.md"].detected_license == "mit"


def test_a_pass_the_hub_stopped_is_carried_on_by_the_next_one(factory, hub, texts) -> None:
    """With --license-files too, a stopped pass is finished by the next one, and then nothing is read again."""
    assert run_sync(factory, client_for(hub), SyncOptions(full=True)).status == "completed"
    hub.faults.server_error = 1_000
    stopped = fetch_license_files(factory, client_for(hub), every_model=True)
    assert stopped.error is not None
    hub.faults.server_error = 0
    carried_on = fetch_license_files(factory, client_for(hub), every_model=True)
    assert carried_on.error is None and carried_on.fetched > 0
    assert files_of(factory, "acme/apache")["LICENSE"].status == "ok"
    again = fetch_license_files(factory, client_for(hub), every_model=True)
    assert (again.models, again.requests) == (0, 0)
