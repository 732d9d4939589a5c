"""Load test of `sotay serve`: concurrent searches, then the same while an editor uploads.

    python bench/bench_load.py [--index /tmp/sotay-bench/index] [--clients 8] [--seconds 30]
                               [--uploads 50] [--eval ../shared/eval] [--url http://127.0.0.1:PORT]

1. Builds (once, then reuses) a library of at least 10,000 chunks: synthetic but real Vietnamese
   documents, each a few sentences recombined from the evaluation corpora (statute articles and
   health news), so the index has the vocabulary and length of real text. Nothing is fetched.
2. Starts `sotay serve` on a free loopback port (unless --url is given), with an editor token.
3. Phase "search": N clients search for --seconds with varied real questions (half of them with
   the diacritics stripped, as typed on a phone), on keep-alive connections.
4. Phase "search+upload": the same, while an editor uploads --uploads new documents in batches.
Prints one JSON object: requests/s, p50/p95/p99 latency and errors for each phase, and the
upload times. Any error (non-200, bad body, connection failure) is counted, never hidden.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from ingest.sentences import split_sentences  # noqa: E402
from ingest.vntext import fold  # noqa: E402

SENTENCES_PER_DOC = 4
MIN_CHUNKS = 10_000
TYPES = ["Nghị quyết", "Quyết định", "Chỉ thị", "Kết luận", "Hướng dẫn", "Kế hoạch", "news"]
ISSUERS = ["Bộ Chính trị", "Ban Bí thư", "Ban Chấp hành Trung ương", "Thành ủy Hà Nội", "Quận ủy Ba Đình"]
PARTY_QUERIES = ["nghị quyết về chuyển đổi số", "phòng chống tham nhũng tiêu cực", "sinh hoạt chi bộ",
                 "xử lý vi phạm hành chính", "quyền và nghĩa vụ của công dân", "cai nghiện ma túy",
                 "bảo hiểm y tế cho người dân", "trầm cảm ở phụ nữ", "Đại hội XIII", "27-QĐ/TW"]


def load_texts(eval_dir: Path) -> tuple[list[str], list[str]]:
    sentences, queries = [], []
    for name in ("alqac_dev", "vinewsqa_dev"):
        with open(eval_dir / name / "corpus.jsonl", encoding="utf-8") as lines:
            for line in lines:
                sentences.extend(s for s in split_sentences(json.loads(line)["text"]) if 30 <= len(s) <= 300)
        with open(eval_dir / name / "queries.jsonl", encoding="utf-8") as lines:
            queries.extend(json.loads(line)["text"][:300] for line in lines)
    return sentences, queries


def synthetic_docs(sentences: list[str], count: int, rng: random.Random, prefix: str) -> list[dict]:
    docs = []
    for i in range(count):
        body = rng.sample(sentences, SENTENCES_PER_DOC)
        year = rng.randint(2010, 2025)
        doc_type = rng.choice(TYPES)
        docs.append({"_id": f"{prefix}/{i:05d}", "title": body[0][:120], "text": "\n".join(body),
                     "type": doc_type, "date": f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                     "issuer": rng.choice(ISSUERS)})
    return docs


def build_index(index: Path, sentences: list[str], rng: random.Random) -> dict:
    from index.store import Library
    from settings import Settings

    library = Library(Settings(index_dir=index))
    stats = library.stats()
    count = 0
    while stats["chunks"] < MIN_CHUNKS:
        # One document is about one chunk; top up in batches until the index is big enough.
        batch = synthetic_docs(sentences, MIN_CHUNKS - stats["chunks"] + 200, rng, f"bench/b{count}")
        payload = "\n".join(json.dumps(d, ensure_ascii=False) for d in batch).encode("utf-8")
        started = time.perf_counter()
        report = library.ingest_uploads([(f"bench-{count}.jsonl", payload)])
        print(f"indexed {len(report.added)} documents in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        stats = library.stats()
        count += 1
    return stats


def start_server(index: Path, token: str) -> tuple[subprocess.Popen, str]:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = dict(os.environ, SOTAY_EDITOR_TOKEN=token, SOTAY_INDEX=str(index))
    sotay = Path(sys.executable).with_name("sotay")
    process = subprocess.Popen([str(sotay), "serve", "--index", str(index), "--port", str(port)],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"sotay serve exited with {process.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/api/search?q=kh%E1%BB%9Fi+%C4%91%E1%BB%99ng")
            if connection.getresponse().status == 200:
                return process, url
        except OSError:
            time.sleep(0.5)
    process.terminate()
    raise SystemExit("sotay serve did not answer within 300 s")


class Client(threading.Thread):
    def __init__(self, url: str, queries: list[str], stop: threading.Event, seed: int):
        super().__init__(daemon=True)
        parts = urllib.parse.urlsplit(url)
        self.host, self.port = parts.hostname, parts.port
        self.queries, self.stop, self.rng = queries, stop, random.Random(seed)
        self.latencies: list[float] = []
        self.errors: list[str] = []

    def run(self) -> None:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        while not self.stop.is_set():
            query = self.rng.choice(self.queries)
            path = "/api/search?" + urllib.parse.urlencode({"q": query, "top_k": 10})
            started = time.perf_counter()
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                body = response.read()
                elapsed = time.perf_counter() - started
                if response.status != 200 or "results" not in json.loads(body):
                    self.errors.append(f"{response.status}: {body[:200]!r}")
                else:
                    self.latencies.append(elapsed)
            except (OSError, http.client.HTTPException, ValueError) as exc:
                self.errors.append(repr(exc))
                connection.close()
                connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        connection.close()


def upload(url: str, token: str, docs: list[dict]) -> tuple[int, float, dict]:
    parts = urllib.parse.urlsplit(url)
    boundary = uuid.uuid4().hex
    body = bytearray()
    for doc in docs:
        # The run's unique prefix stays in the name: a later run must add documents, not find
        # the previous run's uploads unchanged.
        name = doc["_id"].replace("/", "-") + ".txt"
        body += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\n"
                 "Content-Type: text/plain; charset=utf-8\r\n\r\n").encode()
        body += f"{doc['title']}\n\n{doc['text']}\n".encode() + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=600)
    started = time.perf_counter()
    # Uploads are jobs: `wait` makes the request return with the report once the job is done.
    connection.request("POST", "/api/documents?wait=300", body=bytes(body), headers={
        "Authorization": f"Bearer {token}", "Content-Type": f"multipart/form-data; boundary={boundary}"})
    response = connection.getresponse()
    report = json.loads(response.read())
    return response.status, time.perf_counter() - started, report


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] * 1000


def phase(url, queries, clients, seconds, background: threading.Thread | None = None) -> dict:
    stop = threading.Event()
    workers = [Client(url, queries, stop, seed) for seed in range(clients)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    if background is not None:
        background.start()
    time.sleep(seconds)
    if background is not None:
        background.join()  # searches go on until the last upload has returned
    stop.set()
    for worker in workers:
        worker.join()
    wall = time.perf_counter() - started
    latencies = [x for w in workers for x in w.latencies]
    errors = [e for w in workers for e in w.errors]
    return {
        "requests": len(latencies) + len(errors), "errors": len(errors), "error_samples": errors[:5],
        "seconds": round(wall, 1), "requests_per_s": round(len(latencies) / wall, 1),
        "p50_ms": round(percentile(latencies, 50), 1), "p95_ms": round(percentile(latencies, 95), 1),
        "p99_ms": round(percentile(latencies, 99), 1), "mean_ms": round(statistics.mean(latencies) * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, default=Path("/tmp/sotay-bench/index"))
    parser.add_argument("--eval", type=Path, default=REPO.parent / "shared" / "eval")
    parser.add_argument("--url", help="an already running `sotay serve` (its editor token in SOTAY_EDITOR_TOKEN)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--uploads", type=int, default=50)
    parser.add_argument("--batches", type=int, default=5, help="the uploads are sent in this many requests")
    args = parser.parse_args()

    rng = random.Random(20240520)
    sentences, eval_queries = load_texts(args.eval)
    real = rng.sample(eval_queries, 400) + PARTY_QUERIES
    # Phones often type without diacritics: half the queries are folded.
    queries = [fold(q) if i % 2 else q for i, q in enumerate(real)]

    process = None
    if args.url:
        url, token = args.url, os.environ.get("SOTAY_EDITOR_TOKEN", "")
        stats = None
    else:
        stats = build_index(args.index, sentences, rng)
        token = secrets.token_urlsafe(24)
        process, url = start_server(args.index, token)
    try:
        results = {"url": url, "index": stats, "clients": args.clients, "cpus": os.cpu_count(),
                   "load_average_before": os.getloadavg()}
        results["search"] = phase(url, queries, args.clients, args.seconds)

        new_docs = synthetic_docs(sentences, args.uploads, rng, f"upload-{uuid.uuid4().hex[:8]}")
        batches = [new_docs[i::args.batches] for i in range(args.batches)]
        uploads: list[dict] = []

        def editor():
            time.sleep(2)  # let the searches reach a steady state first
            for batch in batches:
                status, took, report = upload(url, token, batch)
                uploads.append({"status": status, "seconds": round(took, 2),
                                "added": len(report.get("added", [])), "failed": report.get("failed")})

        results["search_during_upload"] = phase(url, queries, args.clients, args.seconds,
                                                background=threading.Thread(target=editor, daemon=True))
        results["uploads"] = uploads
        base, loaded = results["search"]["p99_ms"], results["search_during_upload"]["p99_ms"]
        results["p99_rise_ms"] = round(loaded - base, 1)
        results["p99_rise_pct"] = round(100 * (loaded - base) / base, 1) if base else None
        results["uploaded_documents"] = sum(u["added"] for u in uploads)
        print(json.dumps(results, ensure_ascii=False, indent=2))
        if results["search"]["errors"] or results["search_during_upload"]["errors"] or \
                any(u["status"] != 200 for u in uploads):
            sys.exit(1)
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
