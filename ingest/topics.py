"""News topics: the fixed list, its checks, and the keyword rules that give a news article its
topics when the editor gave none.

A news article's `topics` is a list of slugs from `TOPICS`. The editor gives them (`sotay ingest
--topic SLUG`, the JSONL or sidecar field `topics`); an unknown slug refuses the document, naming
the field and the valid slugs. When none is given, `classify` reads the title and text: each
topic has Vietnamese terms, matched on folded syllables (no diacritics, so "nong nghiep" and
"nông nghiệp" are one), a term in the title counting three times. The best topic is always
given; a second one when it scores at least half as much as the best and at least 4. An article no
rule matches is "văn hóa – xã hội", the broadest topic. Accuracy on the sample library's labelled
news: tests/test_topics.py and docs/quality.md.

Keyword rules, not embeddings: they run at ingest without the model, an editor can read why an
article got its topic, and on 40 short news articles a centroid has too few examples per topic.
"""
from __future__ import annotations

from dataclasses import dataclass

from .vntext import fold, syllables


@dataclass(frozen=True)
class Topic:
    slug: str
    name: str
    terms: tuple[str, ...]


TOPICS: tuple[Topic, ...] = (
    Topic("nong-nghiep", "Nông nghiệp (trồng trọt, canh tác)", (
        "nông nghiệp", "nông dân", "trồng trọt", "canh tác", "cây trồng", "gieo cấy", "trồng lúa", "vụ mùa",
        "vụ xuân", "giống lúa", "vùng lúa", "đất lúa", "lúa chất lượng", "chăn nuôi", "thú y", "gia súc",
        "gia cầm", "bò sữa", "nuôi cá",
        "thủy sản", "rau an toàn", "cây ăn quả", "bưởi", "thu hoạch", "nông thôn mới", "nông sản",
        "khuyến nông", "hợp tác xã", "phân bón", "sâu bệnh", "trang trại", "trồng hoa", "cây cảnh",
        "dịch tả lợn", "vietgap")),
    Topic("suc-khoe", "Sức khỏe", (
        "sức khỏe", "y tế", "bệnh viện", "bác sĩ", "người bệnh", "bệnh nhân", "khám bệnh", "khám sức khỏe",
        "tiêm chủng", "vaccine", "vắc xin", "dịch bệnh", "sốt xuất huyết", "bệnh sởi", "mắc sởi", "đột quỵ",
        "hiến máu",
        "đơn vị máu", "bảo hiểm y tế", "bhyt", "an toàn thực phẩm", "ngộ độc", "sốc nhiệt", "say nắng",
        "điều trị", "cấp cứu", "trạm y tế", "cdc", "triệu chứng")),
    Topic("xay-dung-dang", "Xây dựng Đảng", (
        "xây dựng đảng", "đảng viên", "chi bộ", "đảng bộ", "đảng ủy", "cấp ủy", "kết nạp", "huy hiệu đảng",
        "tuổi đảng", "sinh hoạt chi bộ", "đại hội", "nhiệm kỳ", "kiểm điểm", "xếp loại", "kỷ luật",
        "ủy ban kiểm tra", "ubkt", "kiểm tra giám sát", "nghị quyết", "học tập", "quán triệt", "ban tổ chức",
        "tổ chức đảng", "bí thư", "chỉnh đốn")),
    Topic("chuyen-doi-so", "Chuyển đổi số", (
        "chuyển đổi số", "công nghệ số", "số hóa", "dịch vụ công trực tuyến", "trực tuyến", "ứng dụng",
        "phần mềm", "nền tảng", "điện tử", "sổ tay đảng viên điện tử", "chữ ký số", "ký số", "vneid",
        "ihanoi", "dữ liệu", "cơ sở dữ liệu", "không giấy", "trí tuệ nhân tạo", "internet", "điện thoại",
        "bình dân học vụ số", "tìm kiếm", "định danh điện tử", "không dùng tiền mặt", "khoa học công nghệ")),
    Topic("kinh-te", "Kinh tế", (
        "kinh tế", "doanh nghiệp", "đầu tư", "xuất khẩu", "nhập khẩu", "thương mại", "thị trường",
        "tăng trưởng", "gdp", "ngân sách", "thu nhập", "giá bán", "tiêu thụ", "sản xuất", "thương hiệu",
        "du lịch", "lượt khách", "khu công nghiệp", "việc làm", "tỷ đồng", "ngân hàng", "vốn vay")),
    Topic("van-hoa-xa-hoi", "Văn hóa – xã hội", (
        "văn hóa", "xã hội", "lễ hội", "di sản", "di tích", "nghệ thuật", "kỷ niệm", "sự kiện",
        "người cao tuổi", "trẻ em", "học sinh", "giáo dục", "trường học", "thanh niên", "đoàn viên",
        "an sinh", "hộ nghèo", "tình nguyện", "từ thiện", "khắc phục hậu quả", "lũ lụt", "sau lũ", "mưa bão",
        "thiên tai", "thể thao", "phố đi bộ")),
    Topic("do-thi-giao-thong", "Đô thị – giao thông", (
        "đô thị", "giao thông", "đường sắt", "đường sắt đô thị", "metro", "tàu điện", "nhà ga", "xe buýt",
        "ùn tắc", "đường vành đai", "quy hoạch", "chung cư", "vỉa hè", "rác", "rác thải",
        "phân loại rác", "môi trường", "thoát nước", "ngập úng", "chiếu sáng", "chính quyền hai cấp",
        "đơn vị hành chính", "cải cách hành chính")),
)
TOPIC_SLUGS: tuple[str, ...] = tuple(t.slug for t in TOPICS)
TOPIC_NAMES: dict[str, str] = {t.slug: t.name for t in TOPICS}
FALLBACK = "van-hoa-xa-hoi"
TITLE_WEIGHT = 3
SECOND_MIN = 4  # a second topic needs at least this score, and half the best's


def _folded(text: str) -> str:
    return " " + " ".join(syllables(fold(text))) + " "


_TERMS: dict[str, tuple[str, ...]] = {t.slug: tuple(_folded(term) for term in t.terms) for t in TOPICS}


def topics_problem(value: object) -> str | None:
    """Why `value` is not a list of known topic slugs, naming the field; None when it is."""
    if not isinstance(value, (list, tuple)) or not value or not all(isinstance(v, str) for v in value):
        return f"field 'topics' must be a non-empty list of topic slugs ({', '.join(TOPIC_SLUGS)})"
    unknown = [v for v in value if v not in TOPIC_SLUGS]
    if unknown:
        return (f"field 'topics': unknown topic {', '.join(map(repr, unknown))}; "
                f"the topics are {', '.join(TOPIC_SLUGS)}")
    return None


def parse_topics(value: object) -> list[str]:
    """The slugs of a JSONL/sidecar `topics` value: a list, or one text of comma-separated slugs;
    lower-cased, trimmed, duplicates dropped in order. Does not check them (`topics_problem`)."""
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, (list, tuple)):
        return value  # type: ignore[return-value]  # refused by topics_problem
    out: list[str] = []
    for item in value:
        slug = item.strip().lower() if isinstance(item, str) else item
        if slug not in out and slug != "":
            out.append(slug)
    return out


def scores(title: str, text: str) -> dict[str, int]:
    """Each topic's score: its terms' occurrences, in the title counting TITLE_WEIGHT times."""
    folded_title, folded_text = _folded(title), _folded(text)
    return {slug: sum(TITLE_WEIGHT * folded_title.count(term) + folded_text.count(term) for term in terms)
            for slug, terms in _TERMS.items()}


def classify(title: str, text: str) -> list[str]:
    """One or two topics for a news article the editor gave none (see the module's note)."""
    ranked = sorted(scores(title, text).items(), key=lambda kv: (-kv[1], TOPIC_SLUGS.index(kv[0])))
    (best, top), (second, runner) = ranked[0], ranked[1]
    if top == 0:
        return [FALLBACK]
    if runner >= SECOND_MIN and 2 * runner >= top:
        return [best, second]
    return [best]
