"""Old office formats (.doc, .rtf, .odt): text fidelity and speed of each candidate reader.

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python bench/bench_office.py [--docs N] [--only .doc] [--work DIR]

The sample library is rendered as DOCX: its 41 party documents by corpus/build.py's own renderer
(header and signature tables, bold and centred lines, Times New Roman), its 40 news articles as
plain documents without a table. LibreOffice converts them once to .doc, .rtf and .odt (kept
under DIR, default .cache/bench-office, and reused), and every candidate reads them back. The
reference text is what ingest/word.py reads from the DOCX. Character error rate = Levenshtein
distance / reference length, after NFC and with every run of whitespace made one space (line
breaks are layout, not text); "exact" counts the files read without a single wrong character;
"marks lost" counts Vietnamese letters with diacritics in the reference missing from the output
(a multiset difference: a reader that drops or mangles "ế" shows here even when the CER is
small). Seconds are wall clock per file, one file at a time, each program run through
ingest/external.py with its own temporary folder (LibreOffice with a fresh profile each time).
Results and the choice they led to: docs/ingest.md.
"""
from __future__ import annotations

import argparse
import io
import re
import subprocess
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "corpus"))

from rapidfuzz.distance import Levenshtein  # noqa: E402

from ingest import office  # noqa: E402
from ingest.external import Scratch, run_bounded  # noqa: E402
from ingest.word import read_docx  # noqa: E402

BUDGET = office.Budget(seconds=120.0)
_VIETNAMESE_MARKED = re.compile(r"[^\W\d_a-zA-Z]")


def render_documents(work: Path, limit: int) -> dict[str, list[Path]]:
    """The sample library as DOCX files under `work` (written once): the party documents as
    corpus/build.py renders them (header and signature tables), and the news articles as plain
    documents without a table (a title, the lead in italics, paragraphs)."""
    import build  # corpus/build.py

    docs, news = build.load_sources()
    work.mkdir(parents=True, exist_ok=True)
    sets: dict[str, list[Path]] = {"party documents (with tables)": [], "news articles (no table)": []}
    for group, sources, render in (("party documents (with tables)", docs, build.render_docx),
                                   ("news articles (no table)", news, _news_docx)):
        for src in sources[:limit] if limit else sources:
            path = work / f"{src.slug}.docx"
            if not path.exists():
                path.write_bytes(render(src))
            sets[group].append(path)
    return sets


def _news_docx(src) -> bytes:
    import build
    from docx import Document

    doc = Document()
    doc.add_paragraph().add_run(src.meta["title"]).bold = True
    doc.add_paragraph().add_run(src.meta["sapo"]).italic = True
    for text in build.news_paragraphs(src):
        doc.add_paragraph(text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def convert_all(docx_files: list[Path], work: Path) -> None:
    """.doc, .rtf and .odt beside each DOCX, by one LibreOffice run per format (cached)."""
    for target in ("doc", "rtf", "odt"):
        todo = [p for p in docx_files if not p.with_suffix("." + target).exists()]
        if not todo:
            continue
        with Scratch() as scratch:
            subprocess.run(["soffice", "--headless", "--norestore", f"-env:UserInstallation=file://{scratch}/profile",
                            "--convert-to", target, "--outdir", str(work), *map(str, todo)],
                           check=True, capture_output=True, timeout=600,
                           env={"HOME": str(scratch), "PATH": "/usr/bin:/bin"})


def _tool(argv: list[str], data: bytes, suffix: str) -> str:
    with Scratch() as scratch:
        (scratch / f"in{suffix}").write_bytes(data)
        done = run_bounded([*argv, f"in{suffix}"], workdir=scratch, seconds=BUDGET.seconds)
        if done.returncode != 0 or not done.stdout.strip():
            raise RuntimeError(done.stderr.decode("utf-8", "replace").strip()[-200:] or f"exit {done.returncode}")
        return done.stdout.decode("utf-8", "replace")


def antiword(data: bytes) -> str:
    return _tool(["antiword", "-m", "UTF-8.txt", "-w", "0"], data, ".doc")


def catdoc(data: bytes) -> str:
    return _tool(["catdoc", "-w", "-d", "utf-8"], data, ".doc")


def unrtf_text(data: bytes) -> str:
    return _tool(["unrtf", "--text"], data, ".rtf")


def unrtf_html(data: bytes) -> str:
    from lxml import html

    page = _tool(["unrtf", "--html"], data, ".rtf")
    return "\n".join(html.fromstring(page).itertext())


def striprtf(data: bytes) -> str:
    from striprtf.striprtf import rtf_to_text

    return rtf_to_text(data.decode("latin-1"), errors="replace")


def odfpy(data: bytes) -> str:
    from odf import teletype
    from odf.namespaces import TEXTNS
    from odf.opendocument import load

    document = load(io.BytesIO(data))
    lines = []

    def walk(node) -> None:
        for child in node.childNodes:
            if child.qname in ((TEXTNS, "p"), (TEXTNS, "h")):
                lines.append(teletype.extractText(child))
            elif child.nodeType == child.ELEMENT_NODE:
                walk(child)

    walk(document.text)
    return "\n".join(lines)


def odt_content_xml(data: bytes) -> str:
    return office.read_odt(data)


def soffice_txt(suffix: str) -> Callable[[bytes], str]:
    def read(data: bytes) -> str:
        return office.soffice_convert(data, suffix, "txt:Text (encoded):UTF8", BUDGET).decode("utf-8-sig")
    return read


def soffice_docx(suffix: str) -> Callable[[bytes], str]:
    def read(data: bytes) -> str:
        return read_docx(office.soffice_convert(data, suffix, "docx", BUDGET))
    return read


def read_doc(data: bytes) -> str:
    return office.read_doc(data, BUDGET)


def read_rtf(data: bytes) -> str:
    return office.read_rtf(data, BUDGET)


CANDIDATES: dict[str, list[tuple[str, Callable[[bytes], str]]]] = {
    ".doc": [("antiword -m UTF-8.txt -w 0", antiword), ("catdoc -w -d utf-8", catdoc),
             ("soffice → txt (UTF-8)", soffice_txt(".doc")), ("soffice → docx → ingest/word.py", soffice_docx(".doc")),
             ("**ingest/office.py read_doc** (antiword; LibreOffice → docx for a table)", read_doc)],
    ".rtf": [("unrtf --text", unrtf_text), ("unrtf --html → lxml itertext", unrtf_html), ("striprtf", striprtf),
             ("soffice → txt (UTF-8)", soffice_txt(".rtf")), ("soffice → docx → ingest/word.py", soffice_docx(".rtf")),
             ("**ingest/office.py read_rtf** (unrtf --html, a line a paragraph)", read_rtf)],
    ".odt": [("odfpy (text:p, text:h)", odfpy),
             ("**ingest/office.py read_odt** (content.xml with lxml)", odt_content_xml),
             ("soffice → txt (UTF-8)", soffice_txt(".odt")), ("soffice → docx → ingest/word.py", soffice_docx(".odt"))],
}


def _flat(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def _marked(text: str) -> Counter:
    return Counter(ch for ch in unicodedata.normalize("NFC", text) if ch.isalpha() and not ch.isascii())


def measure(reader: Callable[[bytes], str], files: list[tuple[Path, str]]) -> dict:
    errors = length = exact = failed = lost = 0
    seconds = 0.0
    for path, reference in files:
        data = path.read_bytes()
        started = time.perf_counter()
        try:
            text = reader(data)
        except Exception as exc:  # a candidate that fails on a file counts the whole file as wrong
            print(f"  {path.name}: {exc.__class__.__name__}: {str(exc)[:120]}", file=sys.stderr)
            text, failed = "", failed + 1
        seconds += time.perf_counter() - started
        ref, hyp = _flat(reference), _flat(text)
        errors += Levenshtein.distance(ref, hyp)
        length += len(ref)
        exact += ref == hyp
        lost += sum((_marked(reference) - _marked(text)).values())
    return {"cer": errors / max(1, length), "exact": exact, "failed": failed, "lost": lost,
            "seconds": seconds / max(1, len(files))}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=0, help="only the first N of each set (default: all, 41 + 40)")
    parser.add_argument("--work", type=Path, default=REPO / ".cache" / "bench-office")
    parser.add_argument("--only", choices=[".doc", ".rtf", ".odt"], help="one format")
    args = parser.parse_args()
    sets = render_documents(args.work, args.docs)
    for group, sources in sets.items():
        convert_all(sources, args.work)
        references = {p.stem: read_docx(p.read_bytes()) for p in sources}
        chars = sum(len(_flat(t)) for t in references.values())
        print(f"\n{group}: {len(sources)} documents, {chars:,} characters (whitespace collapsed)\n")
        print("| format | reader | CER | exact files | Vietnamese marks lost | failed | s / file |")
        print("|---|---|---:|---:|---:|---:|---:|")
        for suffix, candidates in CANDIDATES.items():
            if args.only and suffix != args.only:
                continue
            files = [(p.with_suffix(suffix), references[p.stem]) for p in sources]
            for name, reader in candidates:
                r = measure(reader, files)
                print(f"| {suffix} | {name} | {r['cer']:.4%} | {r['exact']}/{len(files)} | {r['lost']:,} | "
                      f"{r['failed']} | {r['seconds']:.3f} |", flush=True)


if __name__ == "__main__":
    main()
