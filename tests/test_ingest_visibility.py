"""`sotay ingest --visibility --org`, and `visibility` / `org` in JSONL lines and sidecars.

The command runs in process with the library's embedder replaced by the fake one (the command
itself is what is tested: options, the organisation check, the report).
"""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from index import ANONYMOUS, EVERYTHING, Scope
from members import open_members
from settings import Settings
from sotay import cli as cli_module


@pytest.fixture
def sotay(tmp_path, make_library, monkeypatch):
    monkeypatch.delenv("SOTAY_DATABASE_URL", raising=False)
    library = make_library("index")
    monkeypatch.setattr(cli_module, "_library", lambda settings: library)
    members = open_members(Settings(index_dir=library.root))
    members.add_org("thanh-uy", "Thành ủy Hà Nội")
    members.add_org("quan-hm", "Quận ủy Hoàng Mai", parent="thanh-uy")

    def run(*args):
        result = CliRunner(mix_stderr=False).invoke(cli_module.cli, [*args, "--index", str(library.root)],
                                                    catch_exceptions=False)
        result.all = result.stdout + result.stderr
        return result

    run.library = library
    return run


@pytest.fixture
def folder(tmp_path):
    folder = tmp_path / "tai-lieu"
    folder.mkdir()
    (folder / "ke-hoach.txt").write_text("Kế hoạch sinh hoạt chi bộ quý II của quận ủy.", encoding="utf-8")
    (folder / "thong-bao.txt").write_text("Thông báo họp đảng viên toàn thành phố.", encoding="utf-8")
    (folder / "thong-bao.txt.meta.json").write_text(json.dumps({"visibility": "members"}), encoding="utf-8")
    return folder


def test_internal_documents_for_an_organisation(sotay, folder):
    result = sotay("ingest", str(folder), "--visibility", "internal", "--org", "quan-hm")
    assert result.exit_code == 0, result.all
    library = sotay.library
    district = Scope(signed_in=True, orgs=frozenset({"quan-hm", "thanh-uy"}))
    assert library.get("ke-hoach") is None
    assert library.get("ke-hoach", Scope(signed_in=True, orgs=frozenset({"thanh-uy"}))) is None
    doc = library.get("ke-hoach", district)
    assert doc.meta["visibility"] == "internal" and doc.meta["org"] == "quan-hm"
    # The sidecar's own visibility wins over the command's; the command's org still names the owner.
    notice = library.get("thong-bao", Scope(signed_in=True))
    assert notice.meta["visibility"] == "members" and notice.meta["org"] == "quan-hm"
    assert "without a visibility" not in result.all


def test_without_a_visibility_documents_are_public_and_the_report_says_so(sotay, folder):
    result = sotay("ingest", str(folder))
    assert result.exit_code == 0
    assert "1 document(s) loaded without a visibility are public" in result.all
    assert sotay.library.get("ke-hoach", ANONYMOUS).meta["visibility"] == "public"


@pytest.mark.parametrize(("args", "message"), [
    (["--visibility", "internal"], "--visibility internal needs --org SLUG"),
    (["--visibility", "internal", "--org", "khong-co"], "--org: no organisation 'khong-co'"),
    (["--visibility", "secret"], "Invalid value for '--visibility'"),
])
def test_usage_errors_name_the_option(sotay, folder, args, message):
    result = sotay("ingest", str(folder), *args)
    assert result.exit_code == 2 and message in result.all
    assert sotay.library.stats(EVERYTHING)["documents"] == 0


def test_jsonl_lines_carry_their_own_visibility_and_unknown_organisations_are_refused(sotay, tmp_path):
    path = tmp_path / "ban.jsonl"
    rows = [{"_id": "a", "text": "Văn bản nội bộ thành ủy.", "visibility": "internal", "org": "thanh-uy"},
            {"_id": "b", "text": "Văn bản của tổ chức lạ.", "visibility": "internal", "org": "to-chuc-la"},
            {"_id": "c", "text": "Văn bản không ghi tổ chức.", "visibility": "internal"},
            {"_id": "d", "text": "Văn bản công khai."}]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    result = sotay("ingest", str(path))
    assert result.exit_code == 1
    assert "ban.jsonl:2: field 'org': no organisation 'to-chuc-la'" in result.all
    assert "ban.jsonl:3: field 'visibility' is 'internal', so field 'org' must name" in result.all
    library = sotay.library
    assert library.get("a", Scope(signed_in=True, orgs=frozenset({"thanh-uy"}))) is not None
    assert library.get("a") is None and library.get("d").meta["visibility"] == "public"
