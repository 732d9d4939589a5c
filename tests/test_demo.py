"""`sotay demo`: the demo tree, accounts that sign in with the README's password, internal
documents that each demo member sees or does not; and running it twice changes nothing."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from index import EVERYTHING
from members import DEMO_PASSWORD, open_members
from search_api import create_app
from settings import Settings
from sotay import cli as cli_module

DEMO_DOCS = Path(__file__).resolve().parent.parent / "corpus" / "demo"
CHI_BO_7 = "ke-hoach-sinh-hoat-chi-bo-7"
PHUONG = "thong-bao-dang-uy-phuong-hoang-liet"
MEMBERS_NEWS = "tin-dang-vien-dong-dang-phi-truc-tuyen"


@pytest.fixture
def demo(make_library, monkeypatch):
    monkeypatch.delenv("SOTAY_DATABASE_URL", raising=False)
    library = make_library("index")
    monkeypatch.setattr(cli_module, "_library", lambda settings: library)

    def run():
        return CliRunner(mix_stderr=False).invoke(cli_module.cli, ["demo", "--index", str(library.root),
                                                                   "--documents", str(DEMO_DOCS)],
                                                  catch_exceptions=False)

    return run, library


def test_demo_creates_the_tree_accounts_and_internal_documents_once(demo):
    run, library = demo
    first = run()
    assert first.exit_code == 0, first.output
    assert "DEMO ACCOUNTS" in first.stdout and first.stdout.count(DEMO_PASSWORD) == 5
    members = open_members(Settings(index_dir=library.root))
    assert members.ancestors("chi-bo-tdp-7") == ("chi-bo-tdp-7", "dang-uy-phuong-hoang-liet", "quan-uy-hoang-mai",
                                                 "thanh-uy-ha-noi")
    assert {CHI_BO_7, PHUONG, MEMBERS_NEWS} <= {d.doc_id for d in library.visible(EVERYTHING)}

    again = run()
    assert again.exit_code == 0 and DEMO_PASSWORD not in again.stdout
    assert "org added" not in again.stdout and "0 added" in again.stdout


@pytest.mark.parametrize(("username", "sees"), [
    ("demo.chibo7", {CHI_BO_7, PHUONG, MEMBERS_NEWS}),
    ("demo.chibo8", {PHUONG, MEMBERS_NEWS}),
    ("demo.phuong", {PHUONG, MEMBERS_NEWS}),
    ("demo.bientap", {CHI_BO_7, PHUONG, MEMBERS_NEWS}),
    ("demo.quantri", {CHI_BO_7, PHUONG, MEMBERS_NEWS}),
    (None, set()),
])
def test_each_demo_account_signs_in_and_sees_its_documents(demo, username, sees):
    run, library = demo
    assert run().exit_code == 0
    app = create_app(Settings(index_dir=library.root, home=library.settings.home), library)
    app.testing = True
    client = app.test_client()
    if username:
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/dang-nhap").get_data(as_text=True))[1]
        signed = client.post("/dang-nhap", data={"username": username, "password": DEMO_PASSWORD,
                                                 "csrf_token": token})
        assert signed.status_code == 303 and signed.headers["Location"] == "/", username
    for doc_id in (CHI_BO_7, PHUONG, MEMBERS_NEWS):
        assert (client.get(f"/doc/{doc_id}").status_code == 200) is (doc_id in sees), (username, doc_id)
