"""The library on disk: ingest, re-ingest, replace, delete, atomic commits, one writer at a time.

Libraries here are embedded by the fake hashing embedder (tests/fakes.py): these tests are about
what is stored and when, not about what a query means. The ones that run `sotay` itself, which
loads the real model, are marked slow.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from index.manifest import MANIFESTS_DIR, SEGMENTS_DIR
from index.query import analyze
from index.store import CURRENT_FILE, LibraryBusy

REPO = Path(__file__).resolve().parent.parent

QD27 = """ĐẢNG CỘNG SẢN VIỆT NAM
BAN CHẤP HÀNH TRUNG ƯƠNG
Số 27-QĐ/TW
Hà Nội, ngày 10 tháng 8 năm 2021

QUYẾT ĐỊNH
Ban hành Quy định về ứng dụng công nghệ thông tin trong các cơ quan đảng

Điều 1. Ban hành kèm theo Quyết định này Quy định về ứng dụng công nghệ thông tin và chuyển đổi số
trong hoạt động của các cơ quan đảng từ Trung ương đến cơ sở.
Điều 2. Các cấp ủy, tổ chức đảng xây dựng cơ sở dữ liệu đảng viên và phần mềm Sổ tay đảng viên điện tử.
Điều 3. Quyết định có hiệu lực kể từ ngày ký.

T/M BAN BÍ THƯ
Nơi nhận: Các tỉnh ủy, thành ủy.
"""

NEWS = """Hà Nội: nông dân Đông Anh trồng rau an toàn theo tiêu chuẩn VietGAP

Ngày 12/3/2024, Hội Nông dân huyện Đông Anh tổ chức tập huấn kỹ thuật trồng rau an toàn cho 300 hộ.
Năng suất rau cải tăng 15%, thu nhập bình quân đạt 120 triệu đồng mỗi héc-ta mỗi năm.
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def docs_folder(tmp_path):
    folder = tmp_path / "upload"
    write(folder, "van-ban/qd-27.txt", QD27)
    write(folder, "tin/rau-an-toan.md", NEWS)
    (folder / "tin" / "rau-an-toan.md.meta.json").write_text(
        json.dumps({"type": "news", "source": "Báo Hà Nội mới"}, ensure_ascii=False), encoding="utf-8")
    return folder


def test_ingest_then_search_finds_documents_not_chunks(make_library, docs_folder):
    library = make_library()
    report = library.ingest([docs_folder])
    assert report.exit_code == 0, report.to_json()
    assert sorted(report.added) == ["tin/rau-an-toan", "van-ban/qd-27"]
    doc = library.get("van-ban/qd-27")
    assert doc.meta["number"] == "27-QĐ/TW" and doc.meta["date"] == "2021-08-10"
    assert library.get("tin/rau-an-toan").meta["type"] == "news"

    response = library.search("phần mềm sổ tay đảng viên", top_k=5)
    ids = [hit.doc_id for hit in response.results]
    assert ids[0] == "van-ban/qd-27" and len(ids) == len(set(ids))
    unaccented = library.search("trong rau an toan dong anh", top_k=5)
    assert unaccented.results[0].doc_id == "tin/rau-an-toan"


def test_reingest_unchanged_is_a_noop_and_changed_replaces(make_library, docs_folder):
    library = make_library()
    library.ingest([docs_folder])
    generation = library.generation().name
    again = library.ingest([docs_folder])
    assert sorted(again.unchanged) == ["tin/rau-an-toan", "van-ban/qd-27"] and not again.added
    assert library.generation().name == generation  # nothing was rewritten

    write(docs_folder, "van-ban/qd-27.txt", QD27.replace("Sổ tay đảng viên điện tử", "bản đồ số phường xã"))
    changed = library.ingest([docs_folder])
    assert changed.updated == ["van-ban/qd-27"] and sorted(changed.unchanged) == ["tin/rau-an-toan"]
    gen = library.generation()
    texts = " ".join(c.text for c in gen.chunks if c.doc_id == "van-ban/qd-27")
    assert "bản đồ số" in texts and "Sổ tay đảng viên" not in texts  # no stale chunks
    assert len(gen.vectors) == len(gen.chunks) == len(gen.keyword)


def test_delete_removes_document_chunks_and_file(make_library, docs_folder):
    library = make_library()
    library.ingest([docs_folder])
    assert library.original_file("van-ban/qd-27") is not None
    assert library.delete("van-ban/qd-27") is True
    assert library.get("van-ban/qd-27") is None
    assert all(c.doc_id != "van-ban/qd-27" for c in library.generation().chunks)
    assert library.delete("van-ban/qd-27") is False
    ids = [h.doc_id for h in library.search("ứng dụng công nghệ thông tin", top_k=10).results]
    assert "van-ban/qd-27" not in ids


def test_original_file_is_kept_for_download(make_library, docs_folder):
    library = make_library()
    library.ingest([docs_folder])
    path, filename, content_type = library.original_file("van-ban/qd-27")
    assert path.read_text(encoding="utf-8") == QD27
    assert filename == "qd-27.txt" and content_type.startswith("text/plain")


def test_bad_files_are_reported_and_the_rest_committed(make_library, docs_folder):
    write(docs_folder, "hong.pdf", "not a pdf at all")
    (docs_folder / "trong.txt").write_bytes(b"")
    library = make_library()
    report = library.ingest([docs_folder])
    assert report.exit_code == 1
    assert {Path(f.path).name for f in report.failed} == {"hong.pdf", "trong.txt"}
    assert sorted(report.added) == ["tin/rau-an-toan", "van-ban/qd-27"]


def test_second_writer_gets_a_clear_message(make_library, docs_folder):
    from filelock import FileLock

    library = make_library()
    library.ingest([docs_folder])
    with FileLock(str(library.root / ".write.lock")):
        (library.root / ".write.owner").write_text("pid 4242 since 10:00:00")
        with pytest.raises(LibraryBusy, match="another ingest is writing"):
            make_library().ingest([docs_folder])


@pytest.mark.slow
def test_killed_ingest_leaves_previous_or_next_index_usable(make_real_library, docs_folder, tmp_path, sotay_home):
    """Kill a real `sotay ingest` at several moments; each time the index opens whole."""
    # The real model on both sides: the `sotay ingest` being killed embeds with it.
    make_library = make_real_library
    library = make_library()
    library.ingest([docs_folder])
    before = set(library.generation().docs)
    big = tmp_path / "big"
    for i in range(12):
        write(big, f"bai-{i:02d}.txt", f"Bài số {i}. " + NEWS * 4)
    after = before | {f"bai-{i:02d}" for i in range(12)}
    env = dict(os.environ, SOTAY_INDEX=str(library.root), SOTAY_HOME=str(sotay_home), SOTAY_THREADS="1")
    outcomes = set()
    for delay in (0.5, 3.0):
        proc = subprocess.Popen([sys.executable, "-m", "sotay.cli", "ingest", str(big)], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 120
        owner = library.root / ".write.owner"
        # Start the clock once it holds the write lock, i.e. once it is really writing.
        while time.time() < deadline and proc.poll() is None and not owner.read_text().startswith(f"pid {proc.pid}"):
            time.sleep(0.02)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        reopened = make_library()
        docs = set(reopened.generation().docs)
        assert docs in (before, after), f"half-written index after a kill at +{delay}s"
        outcomes.add("after" if docs == after else "before")
        assert reopened.search("Sổ tay đảng viên", top_k=3).results[0].doc_id == "van-ban/qd-27"
        if docs == after:
            break
    assert "before" in outcomes
    # The next writer cleans up what the killed one left and commits normally.
    final = make_library()
    assert final.ingest([big]).exit_code == 0
    assert set(final.generation().docs) == after
    assert not list((final.root / SEGMENTS_DIR).glob(".partial-*"))


@pytest.mark.parametrize("crash_at", ["writing the generation", "switching CURRENT"])
def test_crash_during_commit_keeps_the_old_generation(make_library, docs_folder, monkeypatch, crash_at):
    import index.store
    import index.vectors
    library = make_library()
    library.ingest([write(docs_folder.parent / "first", "qd-27.txt", QD27)])
    before = library.generation().name

    class PowerCut(Exception):
        pass

    def cut(*args, **kwargs):
        raise PowerCut(crash_at)

    if crash_at == "writing the generation":
        monkeypatch.setattr(index.vectors.VectorIndex, "save", cut)  # documents.jsonl already written
    else:
        monkeypatch.setattr(index.store.os, "replace", cut)
    with pytest.raises(PowerCut):
        library.ingest([docs_folder])
    monkeypatch.undo()

    reopened = make_library()
    assert reopened.generation().name == before and set(reopened.generation().docs) == {"qd-27"}
    assert reopened.search("Sổ tay đảng viên", top_k=1).results[0].doc_id == "qd-27"
    assert reopened.ingest([docs_folder]).exit_code == 0
    assert set(reopened.generation().docs) == {"qd-27", "tin/rau-an-toan", "van-ban/qd-27"}
    assert not list((reopened.root / SEGMENTS_DIR).glob(".partial-*"))


def test_generation_switch_is_one_atomic_pointer(make_library, docs_folder, monkeypatch):
    """CURRENT is replaced whole by a rename, never rewritten in place: a power cut while the new
    name is being written leaves the old pointer intact, and no reader sees a partial name."""
    import builtins

    import index.manifest

    library = make_library()
    library.ingest([write(docs_folder.parent / "first", "qd-27.txt", QD27)])
    current = library.root / CURRENT_FILE
    before, before_inode = current.read_text(), current.stat().st_ino

    class PowerCut(Exception):
        pass

    class HalfWritten:
        """A file that takes half of what is written to it, and then the power goes."""

        def __init__(self, handle):
            self._handle = handle

        def write(self, data):
            self._handle.write(data[:len(data) // 2])
            self._handle.flush()
            raise PowerCut("power cut while writing " + self._handle.name)

        def __getattr__(self, name):
            return getattr(self._handle, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self._handle.close()

    def crashing_open(file, mode="r", *args, **kwargs):
        handle = builtins.open(file, mode, *args, **kwargs)
        if Path(file).name.startswith(CURRENT_FILE) and set(mode) & set("wax+"):
            return HalfWritten(handle)
        return handle

    # Every file the store itself opens for writing whose name starts with CURRENT (the pointer,
    # or a temporary beside it) gets half its content.
    monkeypatch.setattr(index.manifest, "open", crashing_open, raising=False)
    with pytest.raises(PowerCut):
        library.ingest([docs_folder])
    monkeypatch.undo()
    assert current.read_text() == before, "CURRENT was written in place"
    reopened = make_library()
    assert reopened.generation().name == before.strip() and set(reopened.generation().docs) == {"qd-27"}

    # The next switch: the new name, whole, renamed over the old pointer, which readers see
    # until that moment.
    real_replace = os.replace
    switches = []

    def watching_replace(src, dst, *args, **kwargs):
        if Path(dst) == current:
            switches.append((Path(src).read_text().strip(), current.read_text()))
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(index.manifest.os, "replace", watching_replace)
    assert reopened.ingest([docs_folder]).exit_code == 0
    monkeypatch.undo()
    name = current.read_text().strip()
    assert switches == [(name, before)]
    assert current.stat().st_ino != before_inode  # a new file, not the old one rewritten
    assert (library.root / MANIFESTS_DIR / f"{name}.json").exists()
    assert set(make_library().generation().docs) == {"qd-27", "tin/rau-an-toan", "van-ban/qd-27"}
    assert not list((library.root / SEGMENTS_DIR).glob(".partial-*"))


def test_the_manifest_names_the_model_and_another_model_reembeds_everything(make_library, docs_folder):
    """A library embedded by one model is never searched with another one's vectors mixed in: the
    manifest records the model (here the fake's own name, never a real model's), and the first
    ingest with another model re-embeds every chunk, not only the new ones."""
    from tests.fakes import FAKE_MODEL_NAME, FakeEmbedder

    library = make_library()
    library.ingest([docs_folder])
    generation = library.generation()
    assert generation.manifest["model"] == FAKE_MODEL_NAME == library.stats()["model"]
    assert "e5" not in FAKE_MODEL_NAME
    old_vectors = np.asarray(generation.vectors.vectors)

    other = FakeEmbedder(name="test-fake-other-model", seed=7)
    switched = make_library()
    switched._embedder = other
    write(docs_folder, "tin/hoi-thao.txt", "Hội thảo chuyển đổi số trong công tác đảng viên.")
    report = switched.ingest([docs_folder])
    assert report.added == ["tin/hoi-thao"] and sorted(report.unchanged) == ["tin/rau-an-toan", "van-ban/qd-27"]
    generation = switched.generation()
    assert generation.manifest["model"] == "test-fake-other-model"
    assert other.calls["passages"] == len(generation.chunks)  # old chunks too
    kept = [i for i, c in enumerate(generation.chunks) if c.doc_id != "tin/hoi-thao"]
    assert not np.allclose(np.asarray(generation.vectors.vectors)[kept], old_vectors)
    query = other.embed_query("Sổ tay đảng viên điện tử")
    assert generation.vectors.search(query, 1, None)[0][0] in [
        i for i, c in enumerate(generation.chunks) if c.doc_id == "van-ban/qd-27"]


def test_filters_apply_before_the_cut(make_library, tmp_path):
    folder = tmp_path / "many"
    for i in range(12):
        write(folder, f"tin-{i:02d}.txt", f"Tin số {i}: chi bộ sinh hoạt chuyên đề về chuyển đổi số lần {i}.")
    write(folder, "qd.txt", QD27)
    library = make_library()
    library.ingest([folder], doc_type="news")
    library.ingest([write(tmp_path / "one", "qd-27.txt", QD27)])
    from index.records import SearchFilters

    only_qd = library.search("chuyển đổi số", top_k=5, filters=SearchFilters(type="quyết định"))
    assert [h.doc_id for h in only_qd.results] == ["qd-27"]
    news = library.search("chuyển đổi số", top_k=10, filters=SearchFilters(type="news"))
    assert len(news.results) == 10 and all(h.meta["type"] == "news" for h in news.results)


@pytest.mark.slow
def test_cli_ingest_and_search_json_contract(tmp_path, docs_folder, sotay_home):
    index = tmp_path / "cli-index"
    env = dict(os.environ, SOTAY_HOME=str(sotay_home), SOTAY_THREADS="2")
    bad = write(tmp_path, "x.xyz", "?")
    run = subprocess.run([sys.executable, "-m", "sotay.cli", "ingest", str(docs_folder), str(bad),
                          "--index", str(index)], env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 1, run.stderr
    assert "2 added, 0 updated, 0 unchanged, 1 failed" in run.stdout
    assert f"{bad}: unsupported file type .xyz" in run.stdout
    search = subprocess.run([sys.executable, "-m", "sotay.cli", "search", "quyet dinh 27", "--json",
                             "--index", str(index)], env=env, capture_output=True, text=True, timeout=300)
    assert search.returncode == 0, search.stderr
    data = json.loads(search.stdout)
    assert set(data) == {"query", "took_ms", "results"}
    assert set(data["results"][0]) >= {"doc_id", "title", "score", "snippet", "meta"}
    assert data["results"][0]["doc_id"] == "van-ban/qd-27"
    assert "Quyết định" in search.stdout  # readable UTF-8, not \\u escapes
    usage = subprocess.run([sys.executable, "-m", "sotay.cli", "search"], env=env, capture_output=True)
    assert usage.returncode == 2


@pytest.mark.slow
def test_cli_shows_a_progress_bar_on_a_terminal(tmp_path, docs_folder, sotay_home):
    """Editors at a terminal see a progress bar; a pipe or a file gets only the report."""
    import pty

    primary, secondary = pty.openpty()
    env = dict(os.environ, SOTAY_HOME=str(sotay_home), SOTAY_THREADS="2")
    proc = subprocess.run([sys.executable, "-m", "sotay.cli", "ingest", str(docs_folder), "--index",
                           str(tmp_path / "tty-index")], env=env, stdout=subprocess.PIPE,
                          stderr=secondary, timeout=300)
    os.close(secondary)
    terminal = b""
    while True:
        try:
            data = os.read(primary, 65536)
        except OSError:
            break
        if not data:
            break
        terminal += data
    os.close(primary)
    assert proc.returncode == 0
    assert b"embedding" in terminal and b"chunk" in terminal and b"%|" in terminal
    assert b"%|" not in proc.stdout and b"2 added" in proc.stdout


def test_text_without_a_heading_is_titled_by_its_first_line(make_library, tmp_path):
    path = write(tmp_path / "plain", "ghi-chu.txt",
                 "Chi bộ khu dân cư số 5 họp bàn việc trồng cây xanh\nNội dung cuộc họp gồm ba phần.")
    library = make_library()
    library.ingest([path])
    assert library.get("ghi-chu").title == "Chi bộ khu dân cư số 5 họp bàn việc trồng cây xanh"


def _document_scores(generation, query: str):
    return generation.doc_keyword.scores(analyze(query, generation.keyword).term_weights())


def test_whole_document_index_follows_every_change(make_library, docs_folder):
    """The document-level BM25 reuses unchanged documents' counts; after adds, updates and a
    delete it must score exactly like one built from scratch over the library as it stands."""
    from index.generation import document_index_text
    from index.keyword import KeywordIndex

    library = make_library()
    library.ingest([docs_folder])
    write(docs_folder, "van-ban/qd-27.txt", QD27.replace("Sổ tay đảng viên điện tử", "bản đồ số phường xã"))
    write(docs_folder, "tin/hoi-thao.txt", "Hội thảo chuyển đổi số trong công tác đảng viên ở phường xã.")
    library.ingest([docs_folder])
    library.delete("tin/rau-an-toan")
    generation = library.generation()
    assert len(generation.doc_keyword) == len(generation.doc_id_list) == 2
    rebuilt = KeywordIndex.build([document_index_text(generation.docs[d]) for d in generation.doc_id_list])
    for query in ("bản đồ số phường xã", "sổ tay đảng viên", "hội thảo chuyển đổi số", "rau an toàn"):
        weights = analyze(query, generation.keyword).term_weights()
        assert np.allclose(_document_scores(generation, query), rebuilt.scores(weights), atol=1e-6), query
    assert _document_scores(generation, "bản đồ số phường xã").argmax() == generation.row_of("van-ban/qd-27")


def _as_generation_layout(library, without_document_index: bool = False) -> None:
    """Rewrite `library`'s folder as Sổ tay wrote it before segments: one whole snapshot under
    generations/, named by CURRENT, with manifest.json (format 1) holding the library's fields."""
    import json
    import shutil

    from index.segment import DOCUMENT_KEYWORD_DIR

    library.merge(force=True)
    generation = library.generation()
    assert len(generation.segments) == 1 and not generation.deleted
    root = library.root
    old = root / "generations" / "gen-000003"
    shutil.copytree(root / SEGMENTS_DIR / generation.segments[0].name, old)
    info = json.loads((old / "segment.json").read_text())
    (old / "segment.json").unlink()
    (old / "manifest.json").write_text(json.dumps(dict(info, **{
        k: v for k, v in generation.manifest.items() if k in ("model", "precision", "dim")})))
    if without_document_index:
        shutil.rmtree(old / DOCUMENT_KEYWORD_DIR)
    shutil.rmtree(root / SEGMENTS_DIR)
    shutil.rmtree(root / MANIFESTS_DIR)
    (root / CURRENT_FILE).write_text("gen-000003\n")


@pytest.mark.parametrize("without_document_index", [False, True])
def test_a_library_from_before_segments_is_read_and_migrated_at_its_next_write(
        make_library, docs_folder, without_document_index):
    library = make_library()
    library.ingest([docs_folder])
    expected = library.search("phần mềm sổ tay đảng viên", top_k=5).results
    _as_generation_layout(library, without_document_index)

    reopened = make_library()
    assert reopened.generation().name == "gen-000003"
    results = reopened.search("phần mềm sổ tay đảng viên", top_k=5).results
    assert [r.doc_id for r in results] == [r.doc_id for r in expected]
    assert set(reopened.generation().docs) == {"van-ban/qd-27", "tin/rau-an-toan"}

    write(docs_folder, "tin/hoi-thao.txt", "Hội thảo chuyển đổi số trong công tác đảng viên.")
    report = reopened.ingest([docs_folder])
    assert report.added == ["tin/hoi-thao"] and len(report.unchanged) == 2
    root = reopened.root
    assert (root / CURRENT_FILE).read_text().strip().startswith("m-")
    assert not (root / "generations").exists()
    # The old snapshot became the first segment (its files linked, not copied); the upload is a
    # second one.
    assert sorted(p.name for p in (root / SEGMENTS_DIR).iterdir()) == ["seg-000000", "seg-000001"]
    fresh = make_library()
    assert set(fresh.generation().docs) == {"van-ban/qd-27", "tin/rau-an-toan", "tin/hoi-thao"}
    assert fresh.search("phần mềm sổ tay đảng viên", top_k=1).results[0].doc_id == "van-ban/qd-27"
    assert fresh.search("hội thảo chuyển đổi số", top_k=1).results[0].doc_id == "tin/hoi-thao"
