import pytest

from index.diacritics import restore_diacritics
from index.keyword import KeywordIndex
from index.query import analyze
from index.tokenizer import index_syllables


@pytest.mark.parametrize("typed, expected", [
    ("Đại hội XIII", ["đại", "hội", "13"]),
    ("dai hoi xiii", ["dai", "hoi", "13"]),
    ("khóa mười hai", ["khóa", "12"]),
    ("Chương II", ["chương", "2"]),
    # "vi" in a capitalized heading is a syllable, not six
    ("VI PHẠM", ["vi", "phạm"]),
    ("xi măng", ["xi", "măng"]),
])
def test_numerals(typed, expected):
    assert index_syllables(typed) == expected


@pytest.mark.parametrize("typed, expansion", [
    ("T.Ư", "trung ương"), ("TW", "trung ương"), ("BCH", "ban chấp hành"),
    ("HĐND", "hội đồng nhân dân"), ("hdnd", "hội đồng nhân dân"), ("UBND", "ủy ban nhân dân"),
    ("MTTQ", "mặt trận tổ quốc"), ("ĐCSVN", "đảng cộng sản việt nam"), ("TP. Hà Nội", "thành phố"),
    ("Q.1", "quận"),
])
def test_abbreviations_expand(typed, expansion):
    assert " ".join(expansion.split()) in " ".join(index_syllables(typed))


def test_ordinary_words_are_not_abbreviations():
    assert index_syllables("tư tưởng") == ["tư", "tưởng"]
    assert index_syllables("quy định") == ["quy", "định"]


@pytest.mark.parametrize("typed", [
    "27-QĐ/TW", "27/QĐ-TW", "QĐ 27", "quyet dinh so 27", "Quyết định số 27", "qd27",
])
def test_document_numbers_in_any_spelling(typed):
    assert "qd-27" in analyze(typed).numbers


def test_numbers_need_a_document_type():
    assert analyze("Nghị quyết 21 về khoa học").numbers == {"nq-21"}
    assert analyze("đại hội 13 chuyển đổi số").numbers == set()


def test_number_only_query():
    assert analyze("QĐ 27").number_only
    assert analyze("27-QĐ/TW").number_only
    assert not analyze("quyết định 27 về công tác cán bộ trong tình hình mới").number_only


def test_restores_diacritics_from_the_corpus():
    vocabulary = KeywordIndex.build([
        "Nghị quyết Đại hội về chuyển đổi số quốc gia",
        "Nghị quyết về chuyển đổi số trong cơ quan Đảng",
        "Quyết định về công tác cán bộ",
    ])
    assert restore_diacritics("Nghi quyet ve chuyen doi so", vocabulary) == "Nghị quyết về chuyển đổi số"
    query = analyze("nghi quyet chuyen doi so", vocabulary)
    assert not query.accented
    assert query.dense_text == "nghị quyết chuyển đổi số"


def test_accented_query_is_left_alone():
    query = analyze("Nghị quyết của UBND", KeywordIndex.build(["Nghị quyết"]))
    assert query.accented and query.restored == "Nghị quyết của UBND"
    assert query.dense_text == "Nghị quyết của ủy ban nhân dân"


QUESTION_LIBRARY = [
    # Quotes a question, as articles do; about nothing the member asked.
    "Phóng viên hỏi: Bí quyết của bạn là gì? Bao nhiêu năm nay bạn vẫn hỏi vì sao như thế nào.",
    "Nghị quyết về chuyển đổi số trong các cơ quan Đảng và chính quyền các cấp.",
    "Kế hoạch tổ chức đại hội chi bộ nhiệm kỳ mới.",
    "Người bệnh đau đầu kéo dài cần đi khám.",
]


@pytest.mark.parametrize("typed", [
    "Nghị quyết nào nói về chuyển đổi số?",
    "Chuyển đổi số là gì, vì sao phải làm?",
    "nghi quyet nao noi ve chuyen doi so",
])
def test_question_words_do_not_match_documents_that_quote_questions(typed):
    index = KeywordIndex.build(QUESTION_LIBRARY)
    query = analyze(typed, index)
    assert not any(term.lstrip("~").split()[-1] in {"nao", "nào", "gì", "gi", "sao"}
                   for term in query.term_weights())
    scores = index.scores(query.term_weights())
    assert scores.argmax() == 1


def test_question_word_spellings_that_are_other_words_are_kept():
    index = KeywordIndex.build(QUESTION_LIBRARY)
    # Restored as "đau đầu": "dau" here is pain and head, not "đâu" (where).
    weights = analyze("dau dau keo dai", index).term_weights()
    assert "~dau dau" in weights and "~dau" in weights
    assert index.scores(weights).argmax() == 3
    # A query that is nothing but a question word is searched as typed.
    assert analyze("gì").term_weights()
