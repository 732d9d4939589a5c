"""Render the sample library in corpus/library from the sources in corpus/src.

    python corpus/build.py [--out DIR]

Writes DIR/library/, DIR/manifest.jsonl, DIR/queries.jsonl, DIR/qrels.tsv and DIR/README.md
(DIR defaults to corpus/). Every byte depends only on the sources, the bundled font and the
pinned renderers (fpdf2, python-docx): PDF creation dates and file IDs, DOCX core properties
and zip timestamps are derived from each document's own date, so a rebuild is byte-identical.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import io
import json
import re
import shutil
import sys
import unicodedata
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
SRC = HERE / "src"
FONTS = HERE / "fonts"
VN_TZ = dt.timezone(dt.timedelta(hours=7))

# kind -> (heading printed on the document, name in a title, code used in the number)
KINDS = {
    "nghi_quyet": ("NGHỊ QUYẾT", "Nghị quyết", ("NQ",)),
    "quyet_dinh": ("QUYẾT ĐỊNH", "Quyết định", ("QĐ",)),
    # Since 2021 central quy định are numbered "-QĐ/TW" like quyết định; older ones "-QĐi/TW".
    "quy_dinh": ("QUY ĐỊNH", "Quy định", ("QĐi", "QĐ")),
    "chi_thi": ("CHỈ THỊ", "Chỉ thị", ("CT",)),
    "ket_luan": ("KẾT LUẬN", "Kết luận", ("KL",)),
    "ke_hoach": ("KẾ HOẠCH", "Kế hoạch", ("KH",)),
    "huong_dan": ("HƯỚNG DẪN", "Hướng dẫn", ("HD",)),
    "thong_bao": ("THÔNG BÁO", "Thông báo", ("TB",)),
}
FORMS = ("accented", "unaccented", "number", "abbreviation", "question", "paraphrase")
DOC_FORMATS = ("pdf", "docx", "txt", "md")
NEWS_FORMATS = ("html", "jsonl", "md")
NEWS_BUNDLE = "tin-tuc/ban-tin-tong-hop.jsonl"
TOPICS = {
    "chuyen-doi-so": "Chuyển đổi số, Sổ tay đảng viên điện tử",
    "sinh-hoat-chi-bo": "Sinh hoạt chi bộ",
    "ket-nap-dang-vien": "Kết nạp, quản lý đảng viên",
    "kiem-tra-giam-sat": "Kiểm tra, giám sát, kỷ luật",
    "hoc-tap-nghi-quyet": "Học tập, quán triệt nghị quyết",
    "can-bo": "Đánh giá cán bộ, đảng viên",
    "cai-cach-hanh-chinh": "Cải cách hành chính",
    "xay-dung-dang": "Xây dựng Đảng",
    "nong-nghiep": "Nông nghiệp (trồng trọt, chăn nuôi)",
    "y-te": "Y tế, sức khỏe",
    "doi-song": "Đời sống Hà Nội",
}
NUMBER_RE = re.compile(r"^\d+-(NQ|QĐ|QĐi|CT|KL|KH|HD|TB)/[A-ZĐ]+$")
WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")
LIST_KEYS = ("header", "sign_role")
WORD_RANGES = {"doc": (350, 2600), "news": (230, 950)}


@dataclass
class Source:
    slug: str
    kind: str  # "doc" or "news"
    meta: dict
    body: str
    blocks: list = field(default_factory=list)

    @property
    def doc_id(self) -> str:
        return ("van-ban/" if self.kind == "doc" else "tin-tuc/") + self.slug

    @property
    def date(self) -> dt.date:
        return self.meta["date"]


def read_source(path: Path, kind: str) -> Source:
    raw = path.read_text(encoding="utf-8")
    if unicodedata.normalize("NFC", raw) != raw:
        raise SystemExit(f"{path}: not NFC")
    _, front, body = raw.split("---\n", 2)
    return Source(path.stem, kind, parse_front(front, path), body.strip())


def parse_front(front: str, path: Path) -> dict:
    """One 'key: value' a line. Free text (titles, sapos, subjects) stays verbatim, so a colon
    or a quote inside Vietnamese prose needs no YAML escaping; only lists go through YAML."""
    meta = {}
    for line in front.splitlines():
        key, sep, value = line.partition(": ")
        if not sep:
            raise SystemExit(f"{path}: bad front matter line {line!r}")
        value = value.strip()
        if key in LIST_KEYS:
            meta[key] = yaml.safe_load(value)
        elif key == "date":
            meta[key] = dt.date.fromisoformat(value)
        else:
            meta[key] = value[1:-1] if len(value) > 1 and value[0] == value[-1] == '"' else value
    return meta


def parse_body(body: str) -> list[tuple[str, str]]:
    """Light markup: '# ' centred heading, '## ' bold heading, '- ' item, else paragraph.

    Paragraphs are separated by blank lines; a line break inside a paragraph is kept as a space
    so the sources can be wrapped for reading.
    """
    blocks = []
    for chunk in re.split(r"\n\s*\n", body):
        for line in _join_wrapped(chunk.splitlines()):
            if line.startswith("# "):
                blocks.append(("h1", line[2:]))
            elif line.startswith("## "):
                blocks.append(("h2", line[3:]))
            elif line.startswith("- "):
                blocks.append(("item", line))
            else:
                blocks.append(("para", line))
    return blocks


def _join_wrapped(lines: list[str]) -> list[str]:
    out: list[str] = []
    for line in lines:
        line = line.strip()
        if not line:
            continue
        starts_block = line.startswith(("# ", "## ", "- "))
        if out and not starts_block and not out[-1].startswith(("# ", "## ")):
            out[-1] += " " + line
        else:
            out.append(line)
    return out


# ---------------------------------------------------------------- party documents


def vn_date_line(place: str, d: dt.date) -> str:
    # Party and state documents pad days below 10 and months below 3 (so "tháng 01", "tháng 02"
    # cannot be misread), and write the others as plain numbers.
    day = f"{d.day:02d}" if d.day < 10 else str(d.day)
    month = f"{d.month:02d}" if d.month < 3 else str(d.month)
    return f"{place}, ngày {day} tháng {month} năm {d.year}"


def doc_title(src: Source) -> str:
    return f"{KINDS[src.meta['kind']][1]} {src.meta['subject']}"


def doc_head(src: Source) -> dict:
    m = src.meta
    sign = [m["sign_for"], *m.get("sign_role", [])]
    sign += ["(đã ký)"] + ([m["sign_name"]] if m.get("sign_name") else [])
    # Written as one "a; b; c" string in the sources: recipients often contain commas.
    recipients = [r.strip() for r in m["recipients"].split(";")]
    return {
        "national": "ĐẢNG CỘNG SẢN VIỆT NAM",
        "header": m["header"],
        "number": f"Số {m['number']}",
        "placedate": vn_date_line(m.get("place", "Hà Nội"), m["date"]),
        "heading": KINDS[m["kind"]][0],
        "subject": m["subject"],
        "sign": sign,
        "recipients": ["Nơi nhận:", *(f"- {r}," for r in recipients[:-1]),
                       f"- {recipients[-1]}."],
    }


def doc_plain(src: Source, markdown: bool = False) -> str:
    h = doc_head(src)
    out = [h["national"], "", *h["header"], "*", h["number"], "", h["placedate"], ""]
    if markdown:
        out += [f"## {h['heading']}", "", f"**{h['subject']}**", "", "-----", ""]
    else:
        out += [h["heading"], h["subject"], "-----", ""]
    for style, text in src.blocks:
        if markdown and style == "h1":
            text = f"### {text}"
        elif markdown and style == "h2":
            text = f"**{text}**"
        out += [text, ""]
    out += [*h["sign"], "", *h["recipients"]]
    if markdown:
        # Markdown joins consecutive lines into one paragraph; two trailing spaces keep the
        # header, signature and recipient lines on their own lines as on paper.
        out = [line + "  " if line and not line.startswith(("#", "**", "-----")) else line
               for line in out]
    return "\n".join(out).rstrip() + "\n"


def running_header(src: Source) -> str:
    m = src.meta
    return f"{KINDS[m['kind']][1]} số {m['number']} ngày {m['date']:%d/%m/%Y} — {m['issuer']}"


def render_pdf(src: Source) -> bytes:
    from fpdf import FPDF

    header_text = running_header(src)

    class PartyPDF(FPDF):
        def header(self):
            self.set_font("Serif", "I", 8)
            self.cell(0, 5, header_text, align="C", new_x="LMARGIN", new_y="NEXT")
            self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
            self.ln(6)

        def footer(self):
            self.set_y(-14)
            self.set_font("Serif", "I", 8)
            self.cell(0, 5, f"Trang {self.page_no()}/{{nb}}", align="C")

    pdf = PartyPDF(format="A4")
    pdf.set_margins(25, 18, 20)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_font("Serif", "", FONTS / "DejaVuSerif.ttf")
    pdf.add_font("Serif", "B", FONTS / "DejaVuSerif-Bold.ttf")
    pdf.add_font("Serif", "I", FONTS / "DejaVuSerif-Italic.ttf")
    pdf.set_creation_date(dt.datetime.combine(src.date, dt.time(8, 0), VN_TZ))
    pdf.set_title(doc_title(src))
    pdf.set_author(src.meta["issuer"])
    pdf.set_creator("Sổ tay corpus/build.py")
    pdf.set_producer("Sổ tay corpus/build.py")
    pdf.set_lang("vi-VN")
    pdf.add_page()
    h = doc_head(src)

    def put(text, style="", size=11.5, align="L", gap=1.5):
        pdf.set_font("Serif", style, size)
        pdf.multi_cell(0, 6, text, align=align, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)

    put(h["national"], "B", align="C", gap=0)
    for line in h["header"]:
        put(line, "B", align="C", gap=0)
    put("*", align="C", gap=0)
    put(h["number"], align="C", gap=2)
    put(h["placedate"], "I", align="R", gap=4)
    put(h["heading"], "B", 14, align="C", gap=0)
    put(h["subject"], "B", align="C", gap=0)
    put("-----", align="C", gap=3)
    for style, text in src.blocks:
        if style == "h1":
            put(text, "B", align="C")
        elif style == "h2":
            put(text, "B")
        else:
            put(text, align="J")
    pdf.ln(4)
    for line in h["sign"]:
        put(line, "B" if line.isupper() else "I" if line == "(đã ký)" else "", align="R", gap=0)
    pdf.ln(4)
    for line in h["recipients"]:
        put(line, "B" if line == "Nơi nhận:" else "", 9, gap=0)
    return bytes(pdf.output())


def render_docx(src: Source) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(13)
    h = doc_head(src)

    def para(container, text, bold=False, italic=False, align=None, size=None):
        p = container.add_paragraph()
        run = p.add_run(text)
        run.bold, run.italic = bold, italic
        if size:
            run.font.size = Pt(size)
        if align is not None:
            p.alignment = align
        return p

    centre, justify = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.JUSTIFY
    # As in the files party offices circulate, the issuer/number and the national heading/date
    # sit side by side in a borderless two-cell table, and so do "Nơi nhận" and the signature.
    left, right_cell = doc.add_table(rows=1, cols=2).rows[0].cells
    left.paragraphs[0].add_run(h["header"][0]).bold = True
    left.paragraphs[0].alignment = centre
    for line in h["header"][1:]:
        para(left, line, bold=True, align=centre)
    para(left, "*", align=centre)
    para(left, h["number"], align=centre)
    right_cell.paragraphs[0].add_run(h["national"]).bold = True
    right_cell.paragraphs[0].alignment = centre
    para(right_cell, h["placedate"], italic=True, align=centre)
    para(doc, h["heading"], bold=True, align=centre, size=15)
    para(doc, h["subject"], bold=True, align=centre)
    para(doc, "-----", align=centre)
    for style, text in src.blocks:
        if style == "h1":
            para(doc, text, bold=True, align=centre)
        elif style == "h2":
            para(doc, text, bold=True, align=justify)
        else:
            para(doc, text, align=justify)
    left, right_cell = doc.add_table(rows=1, cols=2).rows[0].cells
    left.paragraphs[0].add_run(h["recipients"][0]).bold = True
    for line in h["recipients"][1:]:
        para(left, line, size=10)
    right_cell.paragraphs[0].add_run(h["sign"][0]).bold = True
    right_cell.paragraphs[0].alignment = centre
    for line in h["sign"][1:]:
        para(right_cell, line, bold=line.isupper(), italic=line == "(đã ký)", align=centre)

    when = dt.datetime.combine(src.date, dt.time(8, 0))
    props = doc.core_properties
    props.title = doc_title(src)
    props.author = props.last_modified_by = src.meta["issuer"]
    props.created = props.modified = props.last_printed = when
    props.revision = 1
    props.language = "vi-VN"
    props.comments = ""
    buf = io.BytesIO()
    doc.save(buf)
    return normalise_zip(buf.getvalue(), when.timetuple()[:6])


def normalise_zip(data: bytes, when: tuple) -> bytes:
    """Rewrite a zip with fixed entry timestamps and permissions, keeping entry order."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=when)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()


# ---------------------------------------------------------------- news


def news_when(src: Source) -> dt.datetime:
    hh, mm = (int(x) for x in str(src.meta["time"]).split(":"))
    return dt.datetime.combine(src.date, dt.time(hh, mm), VN_TZ)


def news_paragraphs(src: Source) -> list[str]:
    return [text for _, text in src.blocks]


def news_text(src: Source) -> str:
    return "\n\n".join([src.meta["sapo"], *news_paragraphs(src)]) + "\n"


def news_markdown(src: Source) -> str:
    m = src.meta
    when = news_when(src)
    byline = f"*{m['source']} · {m['author']} · {when:%d/%m/%Y %H:%M}*"
    parts = [f"# {m['title']}", byline, f"**{m['sapo']}**", *news_paragraphs(src)]
    return "\n\n".join(parts) + "\n"


SITE_NAV = [("Trang chủ", "/"), ("Xây dựng Đảng", "/xay-dung-dang"),
            ("Chuyển đổi số", "/chuyen-doi-so"), ("Nông nghiệp", "/nong-nghiep"),
            ("Y tế", "/y-te"), ("Hà Nội", "/doi-song"), ("Văn bản", "/van-ban"),
            ("Hỏi đáp", "/hoi-dap")]


def news_html(src: Source, all_news: list[Source]) -> str:
    """A page as a news site serves it: the article plus the menus, boxes and footer that the
    reader has to strip."""
    m = src.meta
    when = news_when(src)
    e = html.escape
    others = sorted((n for n in all_news if n is not src), key=lambda n: (news_when(n), n.slug),
                    reverse=True)
    related = [n for n in others if n.meta["topic"] == m["topic"]][:4]
    latest = others[:5]

    def links(items):
        return "\n".join(f'        <li><a href="/tin-tuc/{n.slug}.html">{e(n.meta["title"])}</a></li>'
                         for n in items)

    nav = "\n".join(f'      <li><a href="{href}">{e(name)}</a></li>' for name, href in SITE_NAV)
    ld = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle",
                     "headline": m["title"], "datePublished": when.isoformat(),
                     "author": {"@type": "Person", "name": m["author"]},
                     "publisher": {"@type": "Organization", "name": m["source"]}},
                    ensure_ascii=False)
    body = "\n".join(f"      <p>{e(p)}</p>" for p in news_paragraphs(src))
    topic = TOPICS[m["topic"]]
    stamp = f"{WEEKDAYS[when.weekday()]}, {when:%d/%m/%Y %H:%M} (GMT+7)"
    return f"""<!DOCTYPE html>
<html lang="vi">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{e(m['title'])} | {e(m['source'])}</title>
  <meta name="description" content="{e(m['sapo'])}">
  <meta name="author" content="{e(m['author'])}">
  <meta property="og:type" content="article">
  <meta property="og:title" content="{e(m['title'])}">
  <meta property="og:site_name" content="{e(m['source'])}">
  <meta property="article:published_time" content="{when.isoformat()}">
  <meta property="article:section" content="{e(topic)}">
  <script type="application/ld+json">{ld}</script>
</head>
<body>
  <div class="topbar">Hotline: 024 3825 0000 · Email: toasoan@sotay.example.vn · <a href="/dang-nhap">Đăng nhập</a></div>
  <header class="site-header">
    <a class="logo" href="/">{e(m['source'])}</a>
    <nav class="main-menu">
    <ul>
{nav}
    </ul>
    </nav>
    <form class="search" action="/tim-kiem"><input name="q" placeholder="Tìm kiếm..."><button>Tìm</button></form>
  </header>
  <div class="breadcrumb"><a href="/">Trang chủ</a> › <a href="/{m['topic']}">{e(topic)}</a></div>
  <div class="container">
    <main class="main-content">
    <article class="article-detail">
      <h1 class="article-title">{e(m['title'])}</h1>
      <div class="article-meta">
        <span class="author">{e(m['author'])}</span> ·
        <time datetime="{when.isoformat()}">{stamp}</time> ·
        <span class="source">Nguồn: {e(m['source'])}</span>
      </div>
      <p class="sapo"><strong>{e(m['sapo'])}</strong></p>
{body}
    </article>
    <div class="share">Chia sẻ: <a href="#">Facebook</a> <a href="#">Zalo</a> <a href="#">In bài</a> · Bình luận (0)</div>
    <section class="related">
      <h2>Tin liên quan</h2>
      <ul>
{links(related)}
      </ul>
    </section>
    </main>
    <aside class="sidebar">
      <h3>Tin mới nhất</h3>
      <ul>
{links(latest)}
      </ul>
      <div class="banner">Tải ứng dụng Sổ tay đảng viên điện tử trên Google Play và App Store</div>
    </aside>
  </div>
  <footer class="site-footer">
    <p>{e(m['source'])} — Bản tin điện tử mẫu của dự án Sổ tay.</p>
    <p>Địa chỉ: số 1 phố Mẫu, phường Mẫu, TP. Hà Nội · ĐT: 024 3825 0000</p>
    <p>© 2019–2026 Bản quyền thuộc về {e(m['source'])}. Ghi rõ nguồn khi phát hành lại thông tin từ website này.</p>
    <ul class="footer-links"><li><a href="/gioi-thieu">Giới thiệu</a></li><li><a href="/lien-he">Liên hệ</a></li><li><a href="/quang-cao">Quảng cáo</a></li><li><a href="/rss">RSS</a></li></ul>
  </footer>
</body>
</html>
"""


# ---------------------------------------------------------------- build


def word_count(text: str) -> int:
    return len(re.findall(r"\w+", text))


def load_sources() -> tuple[list[Source], list[Source]]:
    docs = [read_source(p, "doc") for p in sorted((SRC / "van-ban").glob("*.md"))]
    news = [read_source(p, "news") for p in sorted((SRC / "tin-tuc").glob("*.md"))]
    for src in docs + news:
        src.blocks = parse_body(src.body)
    for src in docs:
        m = src.meta
        if m["format"] not in DOC_FORMATS:
            raise SystemExit(f"{src.slug}: format {m['format']!r}")
        if not NUMBER_RE.match(m["number"]) or m["number"].split("-")[1].split("/")[0] not in KINDS[m["kind"]][2]:
            raise SystemExit(f"{src.slug}: number {m['number']!r} does not fit kind {m['kind']}")
    for src in news:
        if src.meta["format"] not in NEWS_FORMATS:
            raise SystemExit(f"{src.slug}: format {src.meta['format']!r}")
    for src in docs + news:
        if src.meta["topic"] not in TOPICS:
            raise SystemExit(f"{src.slug}: topic {src.meta['topic']!r}")
        n = word_count(doc_plain(src) if src.kind == "doc" else news_text(src))
        low, high = WORD_RANGES[src.kind]
        if not low <= n <= high:
            raise SystemExit(f"{src.slug}: {n} words, expected {low}-{high}")
    return docs, news


def manifest_entry(src: Source, path: str, fmt: str, text: str) -> dict:
    m = src.meta
    is_doc = src.kind == "doc"
    entry = {
        "doc_id": src.doc_id,
        "path": path,
        "format": fmt,
        "type": m["kind"] if is_doc else "news",
        "number": m["number"] if is_doc else None,
        "date": m["date"].isoformat(),
        "issuer": m["issuer"] if is_doc else None,
        "title": doc_title(src) if is_doc else m["title"],
        "source": None if is_doc else m["source"],
        "author": None if is_doc else m["author"],
        "topic": m["topic"],
        "words": word_count(text),
    }
    if not is_doc and fmt != "jsonl":
        entry["sidecar"] = path + ".meta.json"
    return entry


def news_sidecar(src: Source) -> dict:
    m = src.meta
    return {"type": "news", "title": m["title"], "date": m["date"].isoformat(),
            "source": m["source"], "author": m["author"]}


def write(path: Path, data: bytes | str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)


def dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False)


def build(out: Path) -> dict:
    docs, news = load_sources()
    library = out / "library"
    if library.exists():
        shutil.rmtree(library)
    manifest = []
    for src in docs:
        fmt = src.meta["format"]
        path = f"{src.doc_id}.{fmt}"
        text = doc_plain(src, markdown=fmt == "md")
        data = {"pdf": render_pdf, "docx": render_docx}.get(fmt, lambda s, text=text: text)(src)
        write(library / path, data)
        manifest.append(manifest_entry(src, path, fmt, text))
    bundle = []
    for src in news:
        fmt = src.meta["format"]
        text = news_text(src)
        if fmt == "jsonl":
            m = src.meta
            bundle.append({"_id": src.doc_id, "title": m["title"], "text": text, "type": "news",
                           "date": m["date"].isoformat(), "source": m["source"],
                           "author": m["author"], "topic": m["topic"]})
            manifest.append(manifest_entry(src, NEWS_BUNDLE, fmt, text))
            continue
        path = f"{src.doc_id}.{fmt}"
        write(library / path, news_html(src, news) if fmt == "html" else news_markdown(src))
        write(library / (path + ".meta.json"), dumps(news_sidecar(src)) + "\n")
        manifest.append(manifest_entry(src, path, fmt, text))
    write(library / NEWS_BUNDLE, "".join(dumps(b) + "\n" for b in sorted(bundle, key=lambda b: b["_id"])))
    manifest.sort(key=lambda e: e["doc_id"])
    write(out / "manifest.jsonl", "".join(dumps(e) + "\n" for e in manifest))

    ids = {e["doc_id"] for e in manifest}
    queries = yaml.safe_load((SRC / "queries.yaml").read_text(encoding="utf-8"))
    qlines, qrels = [], ["query-id\tcorpus-id\tscore"]
    for q in queries:
        if q["form"] not in FORMS or not q["rel"] or unicodedata.normalize("NFC", q["text"]) != q["text"]:
            raise SystemExit(f"query {q['id']}: bad form, text or relevance")
        for doc_id in q["rel"]:
            if doc_id not in ids:
                raise SystemExit(f"query {q['id']}: unknown doc {doc_id}")
            qrels.append(f"{q['id']}\t{doc_id}\t1")
        qlines.append(dumps({"_id": q["id"], "text": q["text"], "form": q["form"]}))
    if len({q["id"] for q in queries}) != len(queries):
        raise SystemExit("duplicate query ids")
    write(out / "queries.jsonl", "\n".join(qlines) + "\n")
    write(out / "qrels.tsv", "\n".join(qrels) + "\n")
    write(out / "README.md", readme(manifest, queries))
    return {"documents": len(docs), "news": len(news), "queries": len(queries)}


def table(rows: list[list], head: list[str]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def readme(manifest: list[dict], queries: list[dict]) -> str:
    formats = sorted({e["format"] for e in manifest})
    by_type = Counter((e["type"], e["format"]) for e in manifest)
    types = [k for k in KINDS if any(t == k for t, _ in by_type)] + ["news"]
    type_rows = [[f"`{t}`", *(by_type[(t, f)] or "" for f in formats),
                  sum(by_type[(t, f)] for f in formats)] for t in types]
    type_rows.append(["**total**", *(sum(by_type[(t, f)] for t in types) for f in formats),
                      len(manifest)])
    by_topic = Counter((e["topic"], e["type"] == "news") for e in manifest)
    topic_rows = [[f"`{k}`", name, by_topic[(k, False)] or "", by_topic[(k, True)] or ""]
                  for k, name in TOPICS.items()]
    issuers = Counter(e["issuer"] for e in manifest if e["issuer"])
    issuer_rows = [[name, n] for name, n in sorted(issuers.items(), key=lambda x: (-x[1], x[0]))]
    forms = Counter(q["form"] for q in queries)
    form_rows = [[f"`{f}`", forms[f]] for f in FORMS]
    years = Counter(e["date"][:4] for e in manifest)
    year_rows = [[y, years[y]] for y in sorted(years)]
    return f"""# corpus/ — the sample library

<!-- Generated by corpus/build.py; edit the build script or corpus/src, not this file. -->

The library a new user meets after `make run`: Vietnamese party documents (nghị quyết, quyết
định, chỉ thị, quy định, kết luận, kế hoạch, hướng dẫn, thông báo) from the Central Committee
down to a chi bộ, and news as the electronic party-member handbook carries it.

**All texts were written for this project.** They follow the layout and vocabulary of real
party documents, and some take their number, date and subject from real public documents
(for example Quyết định 27-QĐ/TW of 10/8/2021, Kế hoạch 121-KH/TU of 22/12/2022), but the
wording is our own and they are not copies or summaries of those documents. News outlets,
authors, local signatories, phường and chi bộ details are invented. Do not cite them as
sources.

## Layout

- `src/van-ban/*.md`, `src/tin-tuc/*.md` — the sources: front matter (one `key: value` a line:
  metadata and output format) and the body. `src/queries.yaml` — the member queries with their relevant documents.
- `build.py` — renders everything below; `python corpus/build.py [--out DIR]`.
- `library/van-ban/` — party documents as PDF (text layer, embedded DejaVu Serif, running header
  and "Trang n/N" footer on each page), DOCX (issuer/number and signature blocks in borderless
  two-cell tables, as in real files), TXT and MD. They carry no sidecar: the header lines
  ("ĐẢNG CỘNG SẢN VIỆT NAM", issuer, `Số ...`, place and date, kind and subject) give the metadata.
- `library/tin-tuc/` — news as HTML pages with site menus, related links, sidebar and footer
  (the article is in `<article>`), as Markdown, and the JSONL bundle `{NEWS_BUNDLE.split('/')[1]}`
  (one `{{"_id", "title", "text", "type": "news", "date", "source", "author", "topic"}}` a line;
  `_id` is the doc_id). HTML and MD news have a sidecar `<file>.meta.json` with
  `type`, `title`, `date`, `source`, `author`.
- `manifest.jsonl` — one line per document: `doc_id` (path under `library/` without extension,
  or the `_id` for bundle lines), `path`, `format`, `type`, `number` (canonical `27-QĐ/TW`),
  `date` (ISO), `issuer` (the issuing body as a member names it: for central documents the one
  in the signature's T/M line, e.g. Bộ Chính trị under the header BAN CHẤP HÀNH TRUNG ƯƠNG; for
  local ones the committee, e.g. Thành ủy Hà Nội for its Ban Thường vụ), `title` (kind +
  subject), `source`, `author`, `topic`, `words`. `type` is one of
  {", ".join(f"`{k}`" for k in KINDS)} or `news`.
- `queries.jsonl` + `qrels.tsv` — {len(queries)} queries in BEIR layout (`corpus-id` = doc_id).
- `fonts/` — DejaVu Serif (Bitstream Vera licence, `fonts/LICENSE-DejaVu.txt`), embedded in the PDFs.

## Contents

{table(type_rows, ["type", *formats, "total"])}

### By topic

{table(topic_rows, ["topic", "name", "documents", "news"])}

### By issuer

{table(issuer_rows, ["issuer", "documents"])}

### By year

{table(year_rows, ["year", "documents"])}

### Queries by form

{table(form_rows, ["form", "queries"])}

## Rebuilding

`python corpus/build.py` needs `pyyaml`, `fpdf2==2.8.9` and `python-docx`; it downloads nothing
and uses no system font. Output is byte-identical from run to run with the same versions of
those packages (`tests/test_corpus_files.py` checks it).
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="output folder (default: corpus/)")
    args = parser.parse_args(argv)
    counts = build(args.out)
    print(", ".join(f"{v} {k}" for k, v in counts.items()), "->", args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
