import pytest

from ingest.doc_numbers import normalize_number, number_keys
from ingest.metadata import extract_metadata
from ingest.vntext import sentence_case

# (name, text, filename, expected) - expected keys must match; keys not listed must be absent
# when marked with None.
HEADERS = [
    ("central decision", """ĐẢNG CỘNG SẢN VIỆT NAM
BAN CHẤP HÀNH TRUNG ƯƠNG
*
Số 27-QĐ/TW
Hà Nội, ngày 10 tháng 8 năm 2021
QUYẾT ĐỊNH
ban hành Quy định về ứng dụng công nghệ thông tin trong các cơ quan đảng
-----
- Căn cứ Điều lệ Đảng;
BỘ CHÍNH TRỊ QUYẾT ĐỊNH
Điều 1. Ban hành kèm theo Quyết định này Quy định về ứng dụng công nghệ thông tin.
T/M BỘ CHÍNH TRỊ
THƯỜNG TRỰC BAN BÍ THƯ
(đã ký)
Nơi nhận:
- Như Điều 3,
- Lưu Văn phòng Trung ương Đảng.""", None,
     {"type": "quyết định", "number": "27-QĐ/TW", "date": "2021-08-10", "issuer": "Bộ Chính trị",
      "title": "Quyết định ban hành Quy định về ứng dụng công nghệ thông tin trong các cơ quan đảng"}),
    ("central resolution, subject wrapped by the PDF", """ĐẢNG CỘNG SẢN VIỆT NAM
BAN CHẤP HÀNH TRUNG ƯƠNG
*
Số 21-NQ/TW
Hà Nội, ngày 16 tháng 6 năm 2022
NGHỊ QUYẾT
Hội nghị lần thứ năm Ban Chấp hành Trung ương Đảng khóa XIII về tăng cường củng cố,
xây dựng tổ chức cơ sở đảng và nâng cao chất lượng đội ngũ đảng viên trong giai đoạn mới
-----
I. TÌNH HÌNH VÀ NGUYÊN NHÂN
Sau hơn 15 năm thực hiện.
T/M BAN CHẤP HÀNH TRUNG ƯƠNG
TỔNG BÍ THƯ""", None,
     {"type": "nghị quyết", "number": "21-NQ/TW", "date": "2022-06-16", "issuer": "Ban Chấp hành Trung ương",
      "title": "Nghị quyết Hội nghị lần thứ năm Ban Chấp hành Trung ương Đảng khóa XIII về tăng cường củng cố, "
               "xây dựng tổ chức cơ sở đảng và nâng cao chất lượng đội ngũ đảng viên trong giai đoạn mới"}),
    ("directive of the Secretariat", """ĐẢNG CỘNG SẢN VIỆT NAM

BAN CHẤP HÀNH TRUNG ƯƠNG
*
Số 05-CT/TW

Hà Nội, ngày 15 tháng 5 năm 2016

CHỈ THỊ
về đẩy mạnh học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh

Đại hội XII của Đảng xác định.
T/M BAN BÍ THƯ
(đã ký)""", None,
     {"type": "chỉ thị", "number": "05-CT/TW", "date": "2016-05-15", "issuer": "Ban Bí thư",
      "title": "Chỉ thị về đẩy mạnh học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh"}),
    ("city plan signed by the standing committee", """ĐẢNG CỘNG SẢN VIỆT NAM
THÀNH ỦY HÀ NỘI
*
Số 121-KH/TU
Hà Nội, ngày 22 tháng 12 năm 2022
KẾ HOẠCH
triển khai ứng dụng phần mềm "Sổ tay đảng viên điện tử" trong Đảng bộ thành phố Hà Nội
-----
Thực hiện Quyết định số 27-QĐ/TW ngày 10/8/2021 của Bộ Chính trị.
T/M BAN THƯỜNG VỤ
PHÓ BÍ THƯ THƯỜNG TRỰC""", None,
     {"type": "kế hoạch", "number": "121-KH/TU", "date": "2022-12-22", "issuer": "Thành ủy Hà Nội",
      "title": 'Kế hoạch triển khai ứng dụng phần mềm "Sổ tay đảng viên điện tử" trong Đảng bộ thành phố Hà Nội'}),
    ("district directive under the city party committee", """ĐẢNG BỘ THÀNH PHỐ HÀ NỘI
QUẬN ỦY BA ĐÌNH
*
Số 05-CT/QU
ĐẢNG CỘNG SẢN VIỆT NAM
Ba Đình, ngày 05 tháng 02 năm 2023
CHỈ THỊ
về tăng cường công tác phát triển đảng viên
-----
Nội dung.""", None,
     {"type": "chỉ thị", "number": "05-CT/QU", "date": "2023-02-05", "issuer": "Quận ủy Ba Đình",
      "title": "Chỉ thị về tăng cường công tác phát triển đảng viên"}),
    ("rural district notice", """ĐẢNG BỘ THÀNH PHỐ HÀ NỘI
HUYỆN ỦY ĐÔNG ANH
*
Số: 312-TB/HU
ĐẢNG CỘNG SẢN VIỆT NAM
Đông Anh, ngày 3 tháng 11 năm 2023
THÔNG BÁO
kết luận của Ban Thường vụ Huyện ủy về công tác chuyển đổi số
Ngày 1/11/2023, Ban Thường vụ Huyện ủy họp.
T/L BAN THƯỜNG VỤ
CHÁNH VĂN PHÒNG""", None,
     {"type": "thông báo", "number": "312-TB/HU", "date": "2023-11-03", "issuer": "Huyện ủy Đông Anh",
      "title": "Thông báo kết luận của Ban Thường vụ Huyện ủy về công tác chuyển đổi số"}),
    ("ward party committee resolution", """ĐẢNG BỘ QUẬN HOÀN KIẾM
ĐẢNG ỦY PHƯỜNG HÀNG TRỐNG
*
Số 15-NQ/ĐU
ĐẢNG CỘNG SẢN VIỆT NAM
Hàng Trống, ngày 20 tháng 1 năm 2024
NGHỊ QUYẾT
về lãnh đạo thực hiện nhiệm vụ chính trị năm 2024
T/M ĐẢNG ỦY
BÍ THƯ""", None,
     {"type": "nghị quyết", "number": "15-NQ/ĐU", "date": "2024-01-20", "issuer": "Đảng ủy phường Hàng Trống",
      "title": "Nghị quyết về lãnh đạo thực hiện nhiệm vụ chính trị năm 2024"}),
    ("cell report, number typed without diacritics", """ĐẢNG BỘ PHƯỜNG ĐIỆN BIÊN
CHI BỘ KHU DÂN CƯ SỐ 3
*
So 08-BC/CB
ĐẢNG CỘNG SẢN VIỆT NAM
Điện Biên, ngày 28 tháng 12 năm 2023
BÁO CÁO
kết quả sinh hoạt chi bộ năm 2023
T/M CHI BỘ
BÍ THƯ""", None,
     {"type": "báo cáo", "number": "08-BC/CB", "date": "2023-12-28",
      "issuer": "Chi bộ Khu dân cư số 3, phường Điện Biên", "title": "Báo cáo kết quả sinh hoạt chi bộ năm 2023"}),
    ("central inspection commission", """ĐẢNG CỘNG SẢN VIỆT NAM
ỦY BAN KIỂM TRA TRUNG ƯƠNG
*
Số 02-HD/UBKTTW
Hà Nội, ngày 10 tháng 3 năm 2022
HƯỚNG DẪN
thực hiện một số điều trong Quy định số 22-QĐ/TW
I. YÊU CẦU""", None,
     {"type": "hướng dẫn", "number": "02-HD/UBKTTW", "date": "2022-03-10", "issuer": "Ủy ban Kiểm tra Trung ương",
      "title": "Hướng dẫn thực hiện một số điều trong Quy định số 22-QĐ/TW"}),
    ("central organisation department", """ĐẢNG CỘNG SẢN VIỆT NAM
BAN CHẤP HÀNH TRUNG ƯƠNG
BAN TỔ CHỨC
*
Số 12-HD/BTCTW
Hà Nội, ngày 06 tháng 6 năm 2022
HƯỚNG DẪN
một số vấn đề cụ thể về nghiệp vụ công tác đảng viên
-----
PHÓ TRƯỞNG BAN THƯỜNG TRỰC""", None,
     {"type": "hướng dẫn", "number": "12-HD/BTCTW", "date": "2022-06-06", "issuer": "Ban Tổ chức Trung ương",
      "title": "Hướng dẫn một số vấn đề cụ thể về nghiệp vụ công tác đảng viên"}),
    ("city department under the city committee", """ĐẢNG CỘNG SẢN VIỆT NAM
THÀNH ỦY HÀ NỘI
BAN TUYÊN GIÁO
*
Số 45-HD/BTGTU
Hà Nội, ngày 14 tháng 4 năm 2025
HƯỚNG DẪN
tuyên truyền kỷ niệm 95 năm Ngày thành lập Đảng""", None,
     {"type": "hướng dẫn", "number": "45-HD/BTGTU", "date": "2025-04-14", "issuer": "Ban Tuyên giáo Thành ủy Hà Nội",
      "title": "Hướng dẫn tuyên truyền kỷ niệm 95 năm Ngày thành lập Đảng"}),
    ("central office, issuer from the number", """ĐẢNG CỘNG SẢN VIỆT NAM
Số 36-HD/VPTW
Hà Nội, ngày 03 tháng 4 năm 2018
HƯỚNG DẪN
thể thức và kỹ thuật trình bày văn bản của Đảng""", None,
     {"type": "hướng dẫn", "number": "36-HD/VPTW", "date": "2018-04-03", "issuer": "Văn phòng Trung ương Đảng",
      "title": "Hướng dẫn thể thức và kỹ thuật trình bày văn bản của Đảng"}),
    ("conclusion of the Politburo", """ĐẢNG CỘNG SẢN VIỆT NAM
BAN CHẤP HÀNH TRUNG ƯƠNG
*
Số 21-KL/TW
Hà Nội, ngày 25 tháng 10 năm 2021
KẾT LUẬN
Hội nghị lần thứ tư Ban Chấp hành Trung ương Đảng khóa XIII về đẩy mạnh xây dựng, chỉnh đốn Đảng
T/M BAN CHẤP HÀNH TRUNG ƯƠNG""", None,
     {"type": "kết luận", "number": "21-KL/TW", "issuer": "Ban Chấp hành Trung ương",
      "title": "Kết luận Hội nghị lần thứ tư Ban Chấp hành Trung ương Đảng khóa XIII về đẩy mạnh xây dựng, "
               "chỉnh đốn Đảng"}),
    ("regulation numbered QĐ: the heading says quy định", """ĐẢNG CỘNG SẢN VIỆT NAM
BAN CHẤP HÀNH TRUNG ƯƠNG
*
Số 69-QĐ/TW
Hà Nội, ngày 06 tháng 7 năm 2022
QUY ĐỊNH
về kỷ luật tổ chức đảng, đảng viên vi phạm
Chương I. QUY ĐỊNH CHUNG
T/M BỘ CHÍNH TRỊ""", None,
     {"type": "quy định", "number": "69-QĐ/TW", "date": "2022-07-06", "issuer": "Bộ Chính trị",
      "title": "Quy định về kỷ luật tổ chức đảng, đảng viên vi phạm"}),
    ("old regulation numbered QĐi", """ĐẢNG CỘNG SẢN VIỆT NAM
BAN CHẤP HÀNH TRUNG ƯƠNG
Số 102-QĐi/TW
Hà Nội, ngày 15 tháng 11 năm 2017
QUY ĐỊNH
xử lý kỷ luật đảng viên vi phạm
T/M BỘ CHÍNH TRỊ""", None,
     {"type": "quy định", "number": "102-QĐi/TW", "date": "2017-11-15", "issuer": "Bộ Chính trị"}),
    ("state decree with the year in the number", """CHÍNH PHỦ
Số: 15/2023/NĐ-CP
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Hà Nội, ngày 03 tháng 5 năm 2023
NGHỊ ĐỊNH
Quy định chi tiết một số điều của Luật""", None,
     {"type": "nghị định", "number": "15/2023/NĐ-CP", "date": "2023-05-03",
      "title": "Nghị định quy định chi tiết một số điều của Luật"}),
    ("people's committee decision, state style", """ỦY BAN NHÂN DÂN
THÀNH PHỐ HÀ NỘI
Số: 1234/QĐ-UBND
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Hà Nội, ngày 20 tháng 3 năm 2024
QUYẾT ĐỊNH
Về việc phê duyệt Đề án chuyển đổi số""", None,
     {"type": "quyết định", "number": "1234/QĐ-UBND", "date": "2024-03-20",
      "title": "Quyết định về việc phê duyệt Đề án chuyển đổi số"}),
    ("official letter with V/v", """ĐẢNG CỘNG SẢN VIỆT NAM
THÀNH ỦY HÀ NỘI
*
Số 1520-CV/TU
V/v triển khai cài đặt ứng dụng Sổ tay đảng viên
Hà Nội, ngày 12 tháng 9 năm 2023
Kính gửi: Các quận ủy, huyện ủy, thị ủy""", None,
     {"type": "công văn", "number": "1520-CV/TU", "date": "2023-09-12", "issuer": "Thành ủy Hà Nội"}),
    ("OCR spacing in number, date and type", """ĐẢNG CỘNG SẢN VIỆT NAM
THÀNH ỦY HÀ NỘI
*
Số :  06 - KH / TU
Hà Nội,  ngày  20  tháng  3  năm  2021
K Ế   H O Ạ C H
học tập, quán triệt Nghị quyết Đại hội XIII của Đảng""", None,
     {"type": "kế hoạch", "number": "06-KH/TU", "date": "2021-03-20", "issuer": "Thành ủy Hà Nội",
      "title": "Kế hoạch học tập, quán triệt Nghị quyết Đại hội XIII của Đảng"}),
    ("all in lower case, as typed", """đảng cộng sản việt nam
thành ủy hà nội
số 17-ct/tu
hà nội, ngày 10 tháng 4 năm 2023
chỉ thị
về nâng cao chất lượng sinh hoạt chi bộ""", None,
     {"type": "chỉ thị", "number": "17-CT/TU", "date": "2023-04-10",
      "title": "Chỉ thị về nâng cao chất lượng sinh hoạt chi bộ"}),
    ("subject in capitals", """ĐẢNG CỘNG SẢN VIỆT NAM
BAN CHẤP HÀNH TRUNG ƯƠNG
Số 57-NQ/TW
Hà Nội, ngày 22 tháng 12 năm 2024
NGHỊ QUYẾT
CỦA BỘ CHÍNH TRỊ
VỀ ĐỘT PHÁ PHÁT TRIỂN KHOA HỌC, CÔNG NGHỆ, ĐỔI MỚI SÁNG TẠO VÀ CHUYỂN ĐỔI SỐ QUỐC GIA
T/M BỘ CHÍNH TRỊ""", None,
     {"type": "nghị quyết", "number": "57-NQ/TW", "date": "2024-12-22", "issuer": "Bộ Chính trị",
      "title": "Nghị quyết của Bộ Chính trị về đột phá phát triển khoa học, công nghệ, đổi mới sáng tạo và "
               "chuyển đổi số quốc gia"}),
    ("type and subject on one line in capitals", """ĐẢNG CỘNG SẢN VIỆT NAM
THÀNH ỦY HÀ NỘI
Số 1032-TB/TU
Hà Nội, ngày 20 tháng 6 năm 2024
THÔNG BÁO KẾT LUẬN CỦA BAN THƯỜNG VỤ THÀNH ỦY
Ngày 14/6/2024, Ban Thường vụ Thành ủy họp.""", None,
     {"type": "thông báo", "number": "1032-TB/TU", "date": "2024-06-20",
      "title": "Thông báo kết luận của Ban Thường vụ Thành ủy"}),
    ("place-date line at the end, above the signature", """BÁO CÁO
tổng kết công tác năm 2023 của chi bộ
Trong năm 2023, chi bộ đã lãnh đạo hoàn thành nhiệm vụ theo Nghị quyết số 12-NQ/CB ngày 5/1/2023.
Hà Nội, ngày 25 tháng 12 năm 2023
T/M CHI BỘ""", None,
     {"type": "báo cáo", "date": "2023-12-25", "title": "Báo cáo tổng kết công tác năm 2023 của chi bộ"}),
    ("date only in the body, cited date skipped", """KẾ HOẠCH
tổ chức hội nghị
Căn cứ Quyết định số 30-QĐ/TW ngày 26/7/2016 của Ban Chấp hành Trung ương,
ngày 15 tháng 3 năm 2024, Đảng ủy tổ chức hội nghị.""", None,
     {"type": "kế hoạch", "date": "2024-03-15", "number": None}),
    ("numeric date with dashes in the header", """ĐẢNG CỘNG SẢN VIỆT NAM
CHI BỘ TRƯỜNG THCS NGUYỄN DU
Số 03-NQ/CB
Ngày 10-8-2021
NGHỊ QUYẾT
chi bộ tháng 8 năm 2021""", None,
     {"type": "nghị quyết", "number": "03-NQ/CB", "date": "2021-08-10",
      "title": "Nghị quyết chi bộ tháng 8 năm 2021"}),
    ("date written with slashes after ngày", """ĐẢNG CỘNG SẢN VIỆT NAM
ĐẢNG ỦY KHỐI CÁC CƠ QUAN THÀNH PHỐ
Số 45-KH/ĐUK
Hà Nội, ngày 10/8/2021
KẾ HOẠCH
kiểm tra, giám sát năm 2021""", None,
     {"type": "kế hoạch", "number": "45-KH/ĐUK", "date": "2021-08-10",
      "issuer": "Đảng ủy Khối các cơ quan thành phố"}),
    ("program with CTr code", """ĐẢNG CỘNG SẢN VIỆT NAM
THÀNH ỦY HÀ NỘI
Số 03-CTr/TU
Hà Nội, ngày 17 tháng 3 năm 2021
CHƯƠNG TRÌNH
đẩy mạnh công tác xây dựng Đảng""", None,
     {"type": "chương trình", "number": "03-CTr/TU", "date": "2021-03-17", "issuer": "Thành ủy Hà Nội"}),
    ("submission", """ĐẢNG CỘNG SẢN VIỆT NAM
ĐẢNG ỦY PHƯỜNG CỬA NAM
Số 07-TTr/ĐU
Cửa Nam, ngày 02 tháng 10 năm 2024
TỜ TRÌNH
về việc đề nghị kết nạp đảng viên""", None,
     {"type": "tờ trình", "number": "07-TTr/ĐU", "date": "2024-10-02", "issuer": "Đảng ủy phường Cửa Nam",
      "title": "Tờ trình về việc đề nghị kết nạp đảng viên"}),
    ("working rules", """ĐẢNG CỘNG SẢN VIỆT NAM
QUẬN ỦY CẦU GIẤY
Số 01-QC/QU
Cầu Giấy, ngày 08 tháng 01 năm 2021
QUY CHẾ
làm việc của Ban Chấp hành Đảng bộ quận khóa VII, nhiệm kỳ 2020 - 2025""", None,
     {"type": "quy chế", "number": "01-QC/QU", "date": "2021-01-08", "issuer": "Quận ủy Cầu Giấy"}),
    ("number without hyphen", """ĐẢNG CỘNG SẢN VIỆT NAM
BAN CHẤP HÀNH TRUNG ƯƠNG
Số 45 QĐ/TW
Hà Nội, ngày 01 tháng 11 năm 2021
QUYẾT ĐỊNH
về việc thi hành Điều lệ Đảng
T/M BAN CHẤP HÀNH TRUNG ƯƠNG""", None,
     {"type": "quyết định", "number": "45-QĐ/TW", "date": "2021-11-01", "issuer": "Ban Chấp hành Trung ương"}),
    ("state-style number on a party document", """ĐẢNG CỘNG SẢN VIỆT NAM
BAN CHẤP HÀNH TRUNG ƯƠNG
Số 27/QĐ-TW
Hà Nội, ngày 10 tháng 8 năm 2021
QUYẾT ĐỊNH
ban hành Quy định""", None,
     {"number": "27/QĐ-TW", "type": "quyết định"}),
    ("news from dangcongsan", """Hà Nội triển khai Sổ tay đảng viên điện tử đến 100% chi bộ
(ĐCSVN) - Sáng 15/3/2024, Thành ủy Hà Nội tổ chức hội nghị sơ kết một năm triển khai ứng dụng.
Đồng chí Bí thư Thành ủy phát biểu chỉ đạo.""", None,
     {"type": "news", "date": "2024-03-15", "title": "Hà Nội triển khai Sổ tay đảng viên điện tử đến 100% chi bộ",
      "number": None}),
    ("news with a time stamp line", """Quận Ba Đình kết nạp 120 đảng viên mới
08:30 | 02/09/2024
HNP - Ngày 1/9, Quận ủy Ba Đình tổ chức lễ kết nạp đảng viên.""", None,
     {"type": "news", "date": "2024-09-02", "title": "Quận Ba Đình kết nạp 120 đảng viên mới"}),
    ("news known only by its file name", """Đảng bộ phường Láng Hạ học tập nghị quyết
Sáng nay, hơn 300 đảng viên dự hội nghị.""", "tin-tuc/lang-ha.md",
     {"type": "news", "title": "Đảng bộ phường Láng Hạ học tập nghị quyết"}),
    ("type from the file name when the text says nothing", "Nội dung không có tiêu đề.", "kh-06-2021.txt",
     {"type": "kế hoạch", "number": None, "date": None}),
    ("nothing to find", "Một đoạn văn bản bình thường.", None,
     {"type": None, "number": None, "date": None, "issuer": None, "title": None}),
]


@pytest.mark.parametrize("name,text,filename,expected", HEADERS, ids=[h[0] for h in HEADERS])
def test_extract_metadata(name, text, filename, expected):
    found = extract_metadata(text, filename)
    for key, value in expected.items():
        if value is None:
            assert key not in found, (key, found)
        else:
            assert found.get(key) == value, (key, found)


def test_at_least_thirty_headers():
    assert len(HEADERS) >= 30


@pytest.mark.parametrize("spelling,canonical", [
    ("27-QĐ/TW", "27-QĐ/TW"), ("27 - QĐ/TW", "27-QĐ/TW"), ("27 QĐ/TW", "27-QĐ/TW"),
    ("số 27-qđ/tw", "27-QĐ/TW"), ("Số: 27-QĐ/TW", "27-QĐ/TW"), ("27-qd/tw", "27-QĐ/TW"),
    ("27-QÐ/TW", "27-QĐ/TW"),  # Icelandic Ð, as some fonts and OCR give it
    ("27/QĐ-TW", "27/QĐ-TW"), ("27/qd-tw", "27/QĐ-TW"), ("qd 27", "27-QĐ"), ("QĐ 27", "27-QĐ"),
    ("Quyết định số 27", "27-QĐ"), ("quyet dinh so 27", "27-QĐ"), ("nq21", "21-NQ"),
    ("121-KH/TU", "121-KH/TU"), ("05-CT/QU", "05-CT/QU"), ("15-nq/du", "15-NQ/ĐU"),
    ("Số: 15/2023/NĐ-CP", "15/2023/NĐ-CP"), ("15/2023/nd-cp", "15/2023/NĐ-CP"),
    ("1234/QĐ-UBND", "1234/QĐ-UBND"), ("05/CT-TTg", "05/CT-TTg"), ("03-QĐi/TW", "03-QĐi/TW"),
    ("102-QDI/TW", "102-QĐi/TW"), ("03-CTr/TU", "03-CTr/TU"), ("12-HD/BTCTW", "12-HD/BTCTW"),
    ("Nghị quyết 21-NQ/TW ngày 16/6/2022", "21-NQ/TW"),
    ("số 27", None), ("Đại hội 13", None), ("10/8/2021", None), ("", None),
])
def test_normalize_number(spelling, canonical):
    assert normalize_number(spelling) == canonical


@pytest.mark.parametrize("query,key", [
    ("27-QĐ/TW", "27-qd/tw"), ("27/QĐ-TW", "27-qd/tw"), ("27 qd/tw", "27-qd/tw"),
    ("quyet dinh so 27", "qd-27"), ("QĐ 27", "qd-27"), ("Quyết định 27 của Bộ Chính trị", "qd-27"),
    ("nghi quyet 21", "nq-21"), ("Nghị quyết số 21-NQ/TW", "nq-21"), ("NQ21", "nq-21"),
    ("chỉ thị 05", "ct-5"), ("05-CT/QU", "5-ct/qu"), ("kế hoạch số 121", "kh-121"),
    ("quy định 22", "qd-22"), ("quy dinh 102", "qdi-102"), ("nghị định 15/2023", "nd-15/2023"),
])
def test_number_keys_of_queries(query, key):
    assert key in number_keys(query)


@pytest.mark.parametrize("query,number", [
    ("quyet dinh so 27", "27-QĐ/TW"), ("QĐ 27", "27-QĐ/TW"), ("27/QĐ-TW", "27-QĐ/TW"),
    ("nghị quyết 21", "21-NQ/TW"), ("quy định số 22", "22-QĐ/TW"), ("Quy định 102", "102-QĐi/TW"),
    ("chi thi 5", "05-CT/QU"), ("ke hoach 121", "121-KH/TU"), ("Nghị định 15/2023/NĐ-CP", "15/2023/NĐ-CP"),
])
def test_query_meets_document_number(query, number):
    assert number_keys(query) & number_keys(number)


@pytest.mark.parametrize("query,number", [
    ("quyết định 27", "27-NQ/TW"), ("QĐ 27", "72-QĐ/TW"), ("27-QĐ/TW", "27-QĐ/TU"),
])
def test_different_documents_do_not_share_the_full_key(query, number):
    full = {k for k in number_keys(query) if "/" in k}
    assert not full & number_keys(number)


def test_number_keys_are_folded_and_lower_case():
    for key in number_keys("Quyết định số 27-QĐ/TW, Quy định 15/2023/NĐ-CP"):
        assert key == key.lower() and key.isascii()


def test_no_keys_without_a_type():
    assert number_keys("số 27 năm 2021, Đại hội 13, 470.000 đảng viên") == set()


@pytest.mark.parametrize("caps,sentence", [
    ("NGHỊ QUYẾT ĐẠI HỘI XIII CỦA ĐẢNG", "Nghị quyết Đại hội XIII của Đảng"),
    ("VỀ TĂNG CƯỜNG CỦNG CỐ, XÂY DỰNG TỔ CHỨC CƠ SỞ ĐẢNG", "Về tăng cường củng cố, xây dựng tổ chức cơ sở đảng"),
    ("BAN HÀNH QUY ĐỊNH VỀ CÔNG TÁC KIỂM TRA CỦA BỘ CHÍNH TRỊ",
     "Ban hành Quy định về công tác kiểm tra của Bộ Chính trị"),
    ("HỌC TẬP VÀ LÀM THEO TƯ TƯỞNG HỒ CHÍ MINH", "Học tập và làm theo tư tưởng Hồ Chí Minh"),
    ("ĐẢNG VIÊN VÀ UBND THÀNH PHỐ HÀ NỘI", "Đảng viên và UBND thành phố Hà Nội"),
])
def test_sentence_case(caps, sentence):
    assert sentence_case(caps) == sentence
