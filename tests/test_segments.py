"""Segments: a commit writes only what it adds, replaced and deleted documents are marked in the
manifest, merges copy live rows into one segment, and none of it changes what a search finds.

Libraries here are embedded by the fake hashing embedder (tests/fakes.py).
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from index.keyword import KeywordIndex
from index.manifest import CURRENT_FILE, MANIFESTS_DIR, SEGMENTS_DIR
from index.merge import MERGE_FACTOR
from index.query import analyze
from index.segment import DOCS_FILE, chunk_index_text

REPO = Path(__file__).resolve().parent.parent

TOPICS = ["chuyển đổi số trong cơ quan đảng", "trồng rau an toàn ở Đông Anh", "kết nạp đảng viên mới",
          "học tập nghị quyết đại hội XIII", "phòng chống tham nhũng lãng phí", "xây dựng nông thôn mới",
          "an sinh xã hội cho người có công", "cải cách hành chính cấp xã", "bảo vệ môi trường sông Hồng",
          "giáo dục truyền thống cách mạng", "y tế cơ sở và bảo hiểm", "phát triển văn hóa đọc"]


def article(i: int, version: int = 1) -> str:
    topic = TOPICS[i % len(TOPICS)]
    return (f"Bài số {i} (bản {version}) về {topic}.\n\nNgày {1 + i % 28}/3/2024, các chi bộ thảo luận {topic} "
            f"và thống nhất kế hoạch thực hiện trong năm, phân công đảng viên phụ trách từng việc cụ thể.\n")


def add(library, folder: Path, names: dict[str, str]):
    for name, text in names.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return library.ingest([folder / name for name in names])


def segment_names(library) -> list[str]:
    return [s.name for s in library.generation().segments]


def live_manifest(library) -> dict:
    name = (library.root / CURRENT_FILE).read_text().strip()
    return json.loads((library.root / MANIFESTS_DIR / f"{name}.json").read_text())


def test_a_commit_writes_only_the_segment_of_what_it_adds(make_library, tmp_path):
    library = make_library(merges="off")
    folder = tmp_path / "up"
    add(library, folder, {f"bai-{i:02d}.txt": article(i) for i in range(6)})
    first = library.root / SEGMENTS_DIR / segment_names(library)[0]
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in first.rglob("*") if p.is_file()}

    report = add(library, folder, {"tin-moi.txt": article(40)})
    assert report.added == ["tin-moi"]
    names = segment_names(library)
    assert len(names) == 2
    written = library.root / SEGMENTS_DIR / names[1]
    assert [json.loads(line)["doc_id"] for line in (written / DOCS_FILE).read_text().splitlines()] == ["tin-moi"]
    # The first segment is exactly as it was: not one of its files rewritten.
    assert {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in first.rglob("*") if p.is_file()} == before
    assert len(library.generation().docs) == 7
    assert library.search("bài số 40 tham nhũng", top_k=1).results[0].doc_id == "tin-moi"

    # Unchanged content is a no-op: no segment, no manifest, the same live name.
    current = (library.root / CURRENT_FILE).read_text()
    again = library.ingest([folder])
    assert len(again.unchanged) == 7 and not again.added and not again.updated
    assert (library.root / CURRENT_FILE).read_text() == current
    assert segment_names(library) == names


def test_an_update_marks_the_old_copy_deleted_and_only_the_new_one_is_found(make_library, tmp_path):
    library = make_library(merges="off")
    folder = tmp_path / "up"
    add(library, folder, {"a.txt": "Quy định về kết nạp đảng viên mới ở chi bộ thôn Đoài.\n",
                          "b.txt": article(1)})
    old_segment = segment_names(library)[0]
    report = add(library, folder, {"a.txt": "Hướng dẫn chuyển sinh hoạt đảng khi đổi nơi cư trú.\n"})
    assert report.updated == ["a"]
    manifest = live_manifest(library)
    assert manifest["segments"][0] == {"name": old_segment, "deleted": ["a"]}
    assert len(manifest["segments"]) == 2
    assert library.get("a").text.startswith("Hướng dẫn chuyển sinh hoạt")
    hits = library.search("kết nạp đảng viên chi bộ thôn Đoài", top_k=5).results
    assert all("thôn Đoài" not in hit.snippet for hit in hits)
    assert library.search("chuyển sinh hoạt đảng nơi cư trú", top_k=1).results[0].doc_id == "a"
    assert library.stats()["documents"] == 2
    generation = library.generation()
    assert sorted(generation.doc_id_list) == ["a", "b"] and len(generation.chunks) == len(generation.vectors)


def test_a_delete_writes_no_segment_and_its_file_goes(make_library, tmp_path):
    library = make_library(merges="off")
    folder = tmp_path / "up"
    add(library, folder, {"a.txt": article(3), "b.txt": article(4)})
    stored = library.root / "files" / library.get("a").file
    assert stored.is_file()
    segments = sorted(p.name for p in (library.root / SEGMENTS_DIR).iterdir())
    assert library.delete("a") is True
    assert sorted(p.name for p in (library.root / SEGMENTS_DIR).iterdir()) == segments
    assert live_manifest(library)["segments"][0]["deleted"] == ["a"]
    assert library.get("a") is None and not stored.exists()
    assert all(hit.doc_id != "a" for hit in library.search(TOPICS[3], top_k=10).results)
    assert library.delete("a") is False


def _scores_of_one_index(generation, query: str) -> np.ndarray:
    texts = [chunk_index_text(generation.docs[c.doc_id], c) for c in generation.chunks]
    rebuilt = KeywordIndex.build(texts)
    return rebuilt.scores(analyze(query, rebuilt).term_weights())


def test_search_over_segments_scores_as_one_index_of_the_live_rows(make_library, tmp_path):
    library = make_library(merges="off")
    folder = tmp_path / "up"
    add(library, folder, {f"bai-{i:02d}.txt": article(i) for i in range(8)})
    add(library, folder, {f"bai-{i:02d}.txt": article(i, version=2) for i in (2, 5)})
    add(library, folder, {f"moi-{i:02d}.txt": article(i) for i in range(20, 26)})
    library.delete("bai-07")
    generation = library.generation()
    assert len(generation.segments) == 3 and generation.deleted
    for query in ("chuyển đổi số", "bản 2 nông thôn mới", "kế hoạch đảng viên phụ trách", "Đông Anh"):
        weights = analyze(query, generation.keyword).term_weights()
        assert np.allclose(generation.keyword.scores(weights), _scores_of_one_index(generation, query),
                           rtol=1e-5, atol=1e-6), query
    # Dense: the view's nearest rows are an exact search over every live row, masks included.
    vectors = generation.vectors.vectors
    assert vectors.shape == (len(generation.chunks), generation.vectors.dim)
    query = vectors[3] * 0.6 + vectors[11] * 0.4
    query /= np.linalg.norm(query)
    allowed = np.arange(len(generation.chunks)) % 3 != 0
    for mask in (None, allowed):
        ids, scores = generation.vectors.search(query, 5, mask)
        exact = vectors @ query
        if mask is not None:
            exact = np.where(mask, exact, -np.inf)
        assert list(ids) == list(np.argsort(-exact, kind="stable")[:5])
        assert np.allclose(scores, np.sort(exact)[::-1][:5], atol=1e-5)


def test_merges_keep_the_segment_count_bounded_and_change_no_result(make_library, tmp_path):
    library = make_library(merges="off")
    folder = tmp_path / "up"
    for i in range(MERGE_FACTOR + 2):
        add(library, folder, {f"bai-{i:02d}.txt": article(i)})
    add(library, folder, {"bai-03.txt": article(3, version=2)})
    library.delete("bai-04")
    queries = ["chuyển đổi số", "bài số 3 bản 2", "nông thôn mới", "sông Hồng môi trường"]
    before = {q: [(h.doc_id, round(h.score, 4), h.snippet) for h in library.search(q, top_k=5).results]
              for q in queries}
    docs_before = {d: doc.text for d, doc in library.generation().docs.items()}
    assert len(segment_names(library)) == MERGE_FACTOR + 3

    assert library.merge() == 1
    names = segment_names(library)
    assert len(names) == 4  # ten small ones became one; the newest three wait for their tier
    assert {d: doc.text for d, doc in library.generation().docs.items()} == docs_before
    after = {q: [(h.doc_id, round(h.score, 4), h.snippet) for h in library.search(q, top_k=5).results]
             for q in queries}
    assert after == before
    # What the merged ones held is gone from disk once no kept manifest names them.
    add(library, folder, {"cuoi.txt": article(50)})
    on_disk = {p.name for p in (library.root / SEGMENTS_DIR).iterdir()}
    assert len(on_disk) <= len(segment_names(library)) + MERGE_FACTOR
    library.merge(force=True)
    library.ingest([])  # nothing: a no-op
    assert len(segment_names(library)) == 1 and not library.generation().deleted
    assert {d: doc.text for d, doc in library.generation().docs.items()} == dict(docs_before, cuoi=article(50).strip())
    assert library.search("bài số 3 bản 2", top_k=1).results[0].doc_id == "bai-03"
    reopened = make_library()
    assert set(reopened.generation().docs) == set(docs_before) | {"cuoi"}


def test_a_merge_keeps_what_writers_deleted_while_it_ran(make_library, tmp_path, monkeypatch):
    """A merge holds no lock while it writes: an ingest that replaces a document of a segment being
    merged commits meanwhile, and the merged segment must not bring the old copy back."""
    import index.store

    library = make_library(merges="off")
    folder = tmp_path / "up"
    for i in range(4):
        add(library, folder, {f"bai-{i:02d}.txt": article(i)})
    writer = make_library(merges="off")
    started = threading.Event()
    real_write = index.store.merging.write_merged

    def slow_write(directory, segments, deleted):
        merged = real_write(directory, segments, deleted)
        if not started.is_set():
            started.set()
            # The other writer commits while this merge is writing.
            report = add(writer, folder, {"bai-01.txt": "Bản mới: hướng dẫn chuyển sinh hoạt đảng.\n"})
            assert report.updated == ["bai-01"]
            assert writer.delete("bai-02")
        return merged

    monkeypatch.setattr(index.store.merging, "write_merged", slow_write)
    # The forced merge, then the merged segment again alone: half its documents were deleted.
    assert library.merge(force=True) == 2
    assert started.is_set()
    for reader in (library, make_library()):
        generation = reader.generation()
        assert set(generation.docs) == {"bai-00", "bai-01", "bai-03"}
        assert generation.docs["bai-01"].text.startswith("Bản mới")
        assert [h.doc_id for h in reader.search("chuyển sinh hoạt đảng", top_k=5).results][:1] == ["bai-01"]
        assert all(h.doc_id != "bai-02" for h in reader.search(TOPICS[2], top_k=10).results)


def test_a_writer_waits_for_a_merge_switching_its_manifest(make_library, tmp_path):
    from filelock import FileLock

    library = make_library(merges="off")
    folder = tmp_path / "up"
    add(library, folder, {"a.txt": article(1)})
    lock = FileLock(str(library.root / ".write.lock"), thread_local=False)  # released by the timer's thread
    lock.acquire()
    (library.root / ".write.owner").write_text("pid 1 merging since 10:00:00")
    threading.Timer(0.5, lock.release).start()
    started = time.monotonic()
    assert add(make_library(merges="off"), folder, {"b.txt": article(2)}).added == ["b"]
    assert time.monotonic() - started >= 0.4
    lock.acquire()
    (library.root / ".write.owner").write_text("pid 1 ingest since 10:00:00")
    try:
        from index.store import LibraryBusy

        with pytest.raises(LibraryBusy, match="another ingest is writing"):
            add(make_library(merges="off"), folder, {"c.txt": article(3)})
    finally:
        lock.release()


MERGER = textwrap.dedent("""
    import sys
    from pathlib import Path
    sys.path.insert(0, {repo!r})
    from settings import Settings
    from index.store import Library
    from tests.fakes import FakeEmbedder
    library = Library(Settings(index_dir=Path({root!r}), home=Path({home!r}), threads=1), embedder=FakeEmbedder())
    print("merging", flush=True)
    library.merge(force=True)
    print("merged", flush=True)
""")


def test_a_merge_killed_at_any_moment_leaves_the_library_as_before_or_after(make_library, tmp_path, sotay_home):
    library = make_library(merges="off")
    folder = tmp_path / "up"
    for i in range(6):
        add(library, folder, {f"bai-{i:02d}-{j}.txt": article(i * 10 + j) for j in range(30)})
    add(library, folder, {"bai-00-0.txt": article(0, version=2)})
    docs = {d: doc.text for d, doc in library.generation().docs.items()}
    expected = [h.doc_id for h in library.search("chuyển đổi số bản 2", top_k=5).results]
    script = MERGER.format(repo=str(REPO), root=str(library.root), home=str(sotay_home))
    outcomes = set()
    for delay in (0.0, 0.05, 0.15, 0.3, 0.6, 1.2, 5.0):
        proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=dict(os.environ, OMP_NUM_THREADS="1"))
        assert proc.stdout.readline().strip() == b"merging", proc.stderr.read().decode()
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        reopened = make_library(merges="off")
        generation = reopened.generation()
        outcomes.add(len(generation.segments))
        assert {d: doc.text for d, doc in generation.docs.items()} == docs, f"killed at +{delay}s"
        assert [h.doc_id for h in reopened.search("chuyển đổi số bản 2", top_k=5).results] == expected
        if len(generation.segments) == 1:
            break
    assert 1 in outcomes and max(outcomes) == 7, outcomes  # killed before its switch, and one that finished
    # A merge killed before its switch changed nothing; the next commit clears what it left.
    final = make_library(merges="off")
    add(final, folder, {"cuoi.txt": article(99)})
    leftovers = [p.name for p in (final.root / SEGMENTS_DIR).iterdir() if p.name.startswith(".")]
    assert leftovers == []
    final.merge(force=True)
    assert len(segment_names(final)) == 1
    assert set(final.generation().docs) == set(docs) | {"cuoi"}


def test_the_server_merges_in_a_thread_of_its_own(make_library, tmp_path):
    library = make_library(merges="background")
    folder = tmp_path / "up"
    for i in range(MERGE_FACTOR):
        add(library, folder, {f"bai-{i:02d}.txt": article(i)})
        library.wait_for_merges(30)
    assert len(segment_names(library)) == 1
    assert library.search("bài số 7", top_k=1).results[0].doc_id == "bai-07"
    assert library._merger is not None and library._merger.name == "sotay-merge"


def test_a_failed_merge_leaves_the_commit_standing(make_library, tmp_path, monkeypatch, caplog):
    import index.merge

    library = make_library()
    folder = tmp_path / "up"
    for i in range(MERGE_FACTOR - 1):
        add(library, folder, {f"bai-{i:02d}.txt": article(i)})

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(index.merge, "write_merged", full_disk)
    report = add(library, folder, {"cuoi.txt": article(50)})
    assert report.added == ["cuoi"] and report.exit_code == 0
    assert "merging the segments" in caplog.text
    assert len(segment_names(library)) == MERGE_FACTOR
    assert library.get("cuoi") is not None
    monkeypatch.undo()
    assert library.merge() == 1 and len(segment_names(library)) == 1
