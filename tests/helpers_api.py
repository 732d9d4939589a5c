"""A small real Vietnamese library and a real waitress server, for the API and browser tests."""
from __future__ import annotations

import json
import re
import socket
import threading
from pathlib import Path

from waitress import wasyncore

from settings import Settings

EDITOR_TOKEN = "bien-tap-2024-Ma-Bi-Mat"

NQ57 = """---
type: Nghị quyết
number: 57-NQ/TW
date: 2024-12-22
issuer: Bộ Chính trị
title: Nghị quyết số 57-NQ/TW về đột phá phát triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số quốc gia
---
# NGHỊ QUYẾT của Bộ Chính trị về đột phá phát triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số quốc gia

## I. TÌNH HÌNH VÀ NGUYÊN NHÂN

Những năm qua, khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số quốc gia đã đạt được những kết quả quan trọng. Hạ tầng số được đầu tư, nhiều dịch vụ công trực tuyến được cung cấp cho người dân và doanh nghiệp.

## II. QUAN ĐIỂM CHỈ ĐẠO

Phát triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số là đột phá quan trọng hàng đầu, là động lực chính để phát triển nhanh lực lượng sản xuất hiện đại. Chuyển đổi số trong các cơ quan đảng phải đi trước một bước; mỗi đảng viên cần sử dụng thành thạo Sổ tay đảng viên điện tử.

## III. MỤC TIÊU

Đến năm 2030, Việt Nam thuộc nhóm ba nước dẫn đầu Đông Nam Á về chính phủ số và kinh tế số; tỷ trọng kinh tế số đạt tối thiểu 30% GDP.
"""

CT_THAM_NHUNG = """CHỈ THỊ số 12-CT/TW của Ban Bí thư về tăng cường công tác phòng, chống tham nhũng, tiêu cực

Ngày 15 tháng 3 năm 2022

Trong thời gian qua, công tác phòng, chống tham nhũng, tiêu cực được đẩy mạnh, không có vùng cấm, không có ngoại lệ. Tuy nhiên, tình trạng nhũng nhiễu, gây phiền hà cho người dân và doanh nghiệp vẫn còn xảy ra ở một số nơi.

Ban Bí thư yêu cầu các cấp ủy, tổ chức đảng tập trung thực hiện tốt các nhiệm vụ sau:

1. Nâng cao nhận thức, trách nhiệm của người đứng đầu trong phòng, chống tham nhũng, tiêu cực.

2. Kiểm soát chặt chẽ tài sản, thu nhập của người có chức vụ, quyền hạn; xử lý nghiêm các vi phạm.
"""

QD_SINH_HOAT = """QUY ĐỊNH về sinh hoạt chi bộ và nâng cao chất lượng sinh hoạt đảng viên

Điều 1. Phạm vi điều chỉnh

Quy định này quy định nội dung, hình thức sinh hoạt chi bộ định kỳ hằng tháng và sinh hoạt chuyên đề của chi bộ cơ sở.

Điều 2. Sinh hoạt chi bộ định kỳ

Chi bộ sinh hoạt định kỳ mỗi tháng một lần. Đảng viên có trách nhiệm dự đầy đủ, đóng đảng phí đúng quy định và phát biểu ý kiến xây dựng chi bộ trong sạch, vững mạnh.
"""

SCRIPT_DOC = """---
type: Thông báo
title: Thông báo <script>alert("xss")</script> về kiểm thử an toàn
date: 2023-05-01
---
Văn bản này chứa <script>alert("xss")</script> và <b>thẻ HTML</b> nhưng phải hiện ra như chữ thường. Kiểm thử an toàn thông tin.
"""

NEWS = [
    {"_id": "tin-tuc/hoi-nghi-chuyen-doi-so", "type": "news", "date": "2024-05-20", "source": "Báo Hà Nội mới",
     "title": "Hà Nội đẩy mạnh chuyển đổi số trong sinh hoạt chi bộ",
     "text": "Ngày 20/5/2024, Thành ủy Hà Nội tổ chức hội nghị về chuyển đổi số trong sinh hoạt chi bộ. "
             "Hơn 470.000 đảng viên đã cài đặt Sổ tay đảng viên điện tử. Các đại biểu thống nhất "
             "tiếp tục đưa tài liệu sinh hoạt chi bộ lên ứng dụng."},
    {"_id": "tin-tuc/hien-mau-tinh-nguyen", "type": "news", "date": "2024-03-02", "source": "Báo Nhân Dân",
     "title": "Đoàn viên thanh niên tham gia hiến máu tình nguyện",
     "text": "Sáng 2/3, hàng nghìn đoàn viên thanh niên Thủ đô tham gia ngày hội hiến máu tình nguyện. "
             "Đây là hoạt động ý nghĩa, lan tỏa tinh thần tương thân tương ái."},
    {"_id": "tin-tuc/mua-lua-bat-dau", "type": "news", "date": "2023-11-15", "source": "Báo Nông thôn",
     "title": "Nông dân ngoại thành bắt đầu gieo cấy vụ mới",
     "text": "Nông dân các huyện ngoại thành bắt đầu gieo cấy lúa vụ mới với giống lúa chất lượng cao."},
]

DOCUMENTS = [
    ("nq-57-2024.md", NQ57.encode("utf-8")),
    ("Chỉ thị 12 phòng chống tham nhũng.txt", CT_THAM_NHUNG.encode("utf-8")),
    ("qd-sinh-hoat-chi-bo.txt", QD_SINH_HOAT.encode("utf-8")),
    ("thong-bao-an-toan.md", SCRIPT_DOC.encode("utf-8")),
    ("ban-tin.jsonl", "\n".join(json.dumps(n, ensure_ascii=False) for n in NEWS).encode("utf-8")),
]

# A document an editor uploads during a test; none of the words above mention "ngập lụt".
UPLOAD_NAME = "ke-hoach-phong-chong-lut.txt"
UPLOAD_TEXT = """KẾ HOẠCH phòng, chống ngập lụt mùa mưa bão năm 2024

Ban Thường vụ Thành ủy yêu cầu các quận, huyện chủ động phương án phòng, chống ngập lụt, bảo đảm an toàn
cho nhân dân trong mùa mưa bão. Đảng viên ở khu dân cư gương mẫu tham gia khơi thông cống rãnh.
"""


def make_settings(index_dir: Path, home: Path, **overrides) -> Settings:
    return Settings(index_dir=index_dir, home=home, editor_token=EDITOR_TOKEN, threads=2, **overrides)


def build_library(settings: Settings, embedder, files=DOCUMENTS):
    from index.store import Library

    library = Library(settings, embedder=embedder)
    report = library.ingest_uploads(list(files))
    assert not report.failed, report.to_json()
    return library


def csrf_token(page: str) -> str:
    """The CSRF token of the form on a rendered page."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "no CSRF token in the form"
    return match[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """The app under waitress on a free loopback port, in a daemon thread: what `sotay serve` runs."""

    def __init__(self, app, threads: int = 8):
        from waitress.server import create_server

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server = create_server(app, host="127.0.0.1", port=self.port, threads=threads)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        # waitress's own run() loops until its sockets are closed; closing them from another thread
        # while it waits in select() fails with EBADF. This loop stops between two turns instead.
        while not self._stop.is_set():
            wasyncore.loop(timeout=0.05, map=self._server._map, count=1)

    def __enter__(self) -> Server:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._server.task_dispatcher.shutdown()
        wasyncore.close_all(self._server._map)
