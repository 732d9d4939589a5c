import pytest

from ingest.sentences import sentence_spans, split_sentences

CASES = [
    # (why, text, expected sentences)
    ("plain full stops", "Chi bộ họp. Đảng viên dự đủ.", ["Chi bộ họp.", "Đảng viên dự đủ."]),
    ("exclamation and question", "Vì sao chậm? Phải làm ngay! Hết.", ["Vì sao chậm?", "Phải làm ngay!", "Hết."]),
    ("ellipsis, three dots", "Còn nhiều việc... Các cấp ủy tiếp tục.", ["Còn nhiều việc...", "Các cấp ủy tiếp tục."]),
    ("ellipsis character", "Còn nhiều việc… Các cấp ủy tiếp tục.", ["Còn nhiều việc…", "Các cấp ủy tiếp tục."]),
    ("ellipsis inside a sentence", "Các nội dung... đều được bàn kỹ.", ["Các nội dung... đều được bàn kỹ."]),
    ("city abbreviation", "Hội nghị tại TP. Hà Nội. Đại biểu dự đông đủ.",
     ["Hội nghị tại TP. Hà Nội.", "Đại biểu dự đông đủ."]),
    ("TP.HCM without space", "Đoàn công tác tại TP.HCM. Sau đó về Hà Nội.",
     ["Đoàn công tác tại TP.HCM.", "Sau đó về Hà Nội."]),
    ("T.Ư inside", "Ban Chấp hành T.Ư đã họp. Bộ Chính trị kết luận.",
     ["Ban Chấp hành T.Ư đã họp.", "Bộ Chính trị kết luận."]),
    ("district and ward", "Trụ sở ở Q.1 và P. Bến Nghé. Mời dự.", ["Trụ sở ở Q.1 và P. Bến Nghé.", "Mời dự."]),
    ("academic titles", "ThS. Nguyễn Văn An, TS. Lê Bình, GS. Trần Chí và PGS. Phạm Dũng trình bày.",
     ["ThS. Nguyễn Văn An, TS. Lê Bình, GS. Trần Chí và PGS. Phạm Dũng trình bày."]),
    ("Th.S and PGS.TS", "Th.S Hoàng Lan và PGS.TS. Vũ Minh tham luận. Kết thúc.",
     ["Th.S Hoàng Lan và PGS.TS. Vũ Minh tham luận.", "Kết thúc."]),
    ("TT. town", "Đảng bộ TT. Đông Anh được khen. Tiếp theo.", ["Đảng bộ TT. Đông Anh được khen.", "Tiếp theo."]),
    ("page reference", "Xem Văn kiện, Tr. 45 và tr. 46. Nội dung rõ.",
     ["Xem Văn kiện, Tr. 45 và tr. 46.", "Nội dung rõ."]),
    ("thousands separator", "Kinh phí 470.000 đồng. Đã cấp đủ.", ["Kinh phí 470.000 đồng.", "Đã cấp đủ."]),
    ("decimal comma", "Tăng trưởng 3,5% năm 2021. Đạt kế hoạch.", ["Tăng trưởng 3,5% năm 2021.", "Đạt kế hoạch."]),
    ("date with slashes", "Ngày 10/8/2021 Bộ Chính trị ban hành quy định.",
     ["Ngày 10/8/2021 Bộ Chính trị ban hành quy định."]),
    ("section number", "Theo mục 1.2.3 của hướng dẫn. Thực hiện ngay.",
     ["Theo mục 1.2.3 của hướng dẫn.", "Thực hiện ngay."]),
    ("sentence ends with a year", "Hoàn thành trong năm 2025. Các đơn vị báo cáo.",
     ["Hoàn thành trong năm 2025.", "Các đơn vị báo cáo."]),
    ("url", "Xem tại https://dangcongsan.vn/tin/a.b.html?id=3. Đã đăng.",
     ["Xem tại https://dangcongsan.vn/tin/a.b.html?id=3.", "Đã đăng."]),
    ("e-mail", "Gửi về vanphong.thanhuy@hanoi.gov.vn trước ngày 5. Quá hạn không nhận.",
     ["Gửi về vanphong.thanhuy@hanoi.gov.vn trước ngày 5.", "Quá hạn không nhận."]),
    ("v.v. then lower case", "Các ban, ngành, v.v. và đoàn thể tham gia.",
     ["Các ban, ngành, v.v. và đoàn thể tham gia."]),
    ("v.v. ends a sentence before a capital", "Các ban, ngành, v.v. Tất cả đều dự.",
     ["Các ban, ngành, v.v.", "Tất cả đều dự."]),
    ("closing quote after the stop", 'Bác dạy: "Đoàn kết là sức mạnh." Chúng ta ghi nhớ.',
     ['Bác dạy: "Đoàn kết là sức mạnh."', "Chúng ta ghi nhớ."]),
    ("curly quotes", "Khẩu hiệu “Nói đi đôi với làm.” Được quán triệt.",
     ["Khẩu hiệu “Nói đi đôi với làm.”", "Được quán triệt."]),
    ("parenthesis after the stop", "Đã kiểm tra (theo kế hoạch.) Kết quả tốt.",
     ["Đã kiểm tra (theo kế hoạch.)", "Kết quả tốt."]),
    ("sentence starting with a parenthesis", "Đã xong. (Kèm theo phụ lục).", ["Đã xong.", "(Kèm theo phụ lục)."]),
    ("semicolon does not split", "Tăng cường kiểm tra; xử lý nghiêm vi phạm.",
     ["Tăng cường kiểm tra; xử lý nghiêm vi phạm."]),
    ("Điều heading stays whole", "Điều 5. Trách nhiệm của chi bộ", ["Điều 5. Trách nhiệm của chi bộ"]),
    ("Chương heading stays whole", "Chương II. NHIỆM VỤ", ["Chương II. NHIỆM VỤ"]),
    ("initial", "Đồng chí Nguyễn V. Hùng phát biểu.", ["Đồng chí Nguyễn V. Hùng phát biểu."]),
    ("lower case after a stop is not a start", "Số liệu đến tháng 6. năm nay còn thiếu.",
     ["Số liệu đến tháng 6. năm nay còn thiếu."]),
    ("blank line ends a paragraph", "Đoạn một không chấm\n\nĐoạn hai", ["Đoạn một không chấm", "Đoạn hai"]),
    ("wrapped PDF line is joined", "Chi bộ có trách nhiệm lãnh đạo\nđảng viên thực hiện.",
     ["Chi bộ có trách nhiệm lãnh đạo\nđảng viên thực hiện."]),
    ("line after a comma is joined", "Các tỉnh ủy, thành ủy,\nBan Tổ chức Trung ương thực hiện.",
     ["Các tỉnh ủy, thành ủy,\nBan Tổ chức Trung ương thực hiện."]),
    ("header lines are separate", "ĐẢNG CỘNG SẢN VIỆT NAM\nBAN CHẤP HÀNH TRUNG ƯƠNG\nSố 22-QĐ/TW",
     ["ĐẢNG CỘNG SẢN VIỆT NAM", "BAN CHẤP HÀNH TRUNG ƯƠNG", "Số 22-QĐ/TW"]),
    ("line ending with a colon", "Gồm các nội dung:\nthứ nhất là học tập.",
     ["Gồm các nội dung:", "thứ nhất là học tập."]),
    ("numbered items", "1. Mục đích\n2. Yêu cầu", ["1. Mục đích", "2. Yêu cầu"]),
    ("nested numbered items", "1.1. Tuyên truyền\n1.2. Kiểm tra", ["1.1. Tuyên truyền", "1.2. Kiểm tra"]),
    ("lettered items", "a) nâng cao chất lượng;\nb) đổi mới phương thức.",
     ["a) nâng cao chất lượng;", "b) đổi mới phương thức."]),
    ("dashes and bullets", "- Học tập nghị quyết\n+ Viết thu hoạch\n• Kiểm tra",
     ["- Học tập nghị quyết", "+ Viết thu hoạch", "• Kiểm tra"]),
    ("roman sections", "I. MỤC ĐÍCH\nII. NỘI DUNG", ["I. MỤC ĐÍCH", "II. NỘI DUNG"]),
    ("letter sections", "A. ĐÁNH GIÁ\nB. PHƯƠNG HƯỚNG", ["A. ĐÁNH GIÁ", "B. PHƯƠNG HƯỚNG"]),
    ("roman numeral ending a sentence", "Đây là nhiệm vụ của Đại hội XIII. Toàn Đảng thực hiện.",
     ["Đây là nhiệm vụ của Đại hội XIII.", "Toàn Đảng thực hiện."]),
    ("wrapped item continues", "- Triển khai\nđồng bộ các giải pháp.", ["- Triển khai\nđồng bộ các giải pháp."]),
    ("empty text", "", []),
    ("only spaces", "  \n\n ", []),
]


@pytest.mark.parametrize("why,text,expected", CASES, ids=[c[0] for c in CASES])
def test_split_sentences(why, text, expected):
    assert split_sentences(text) == expected


@pytest.mark.parametrize("text", [c[1] for c in CASES], ids=[c[0] for c in CASES])
def test_spans_are_faithful_substrings(text):
    for start, end in sentence_spans(text):
        piece = text[start:end]
        assert piece == piece.strip() and piece


def test_spans_are_in_order_and_cover_all_words():
    text = "  Một. Hai ba!\n\n- Bốn\nnăm; sáu…  Bảy  "
    spans = sentence_spans(text)
    assert spans == sorted(spans)
    assert " ".join(text[a:b] for a, b in spans).split() == text.split()
