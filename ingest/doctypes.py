"""The kinds of document the library holds: the word each is called by and the codes it is
numbered with ("Nghị quyết 21-NQ/TW", "Quyết định 1234/QĐ-UBND").

The one table of document types: document numbers (ingest.doc_numbers), the header reader
(ingest.metadata), sentence casing (ingest.vntext) and the index's tokenizer read it.
"""
from __future__ import annotations

__all__ = ["DOCUMENT_TYPES", "TYPE_OF_CODE"]

# Type word -> the type codes it is numbered with (the first is the one written today).
DOCUMENT_TYPES = {
    "nghị quyết": ("NQ",), "quyết định": ("QĐ",), "chỉ thị": ("CT",), "quy định": ("QĐ", "QĐi"),
    "kết luận": ("KL",), "kế hoạch": ("KH",), "hướng dẫn": ("HD",), "thông báo": ("TB",),
    "báo cáo": ("BC",), "công văn": ("CV",), "quy chế": ("QC",), "chương trình": ("CTr",),
    "tờ trình": ("TTr",), "đề án": ("ĐA",), "thông tri": ("TT",), "nghị định": ("NĐ",),
    "thông tư": ("TT",), "văn kiện": (), "điều lệ": (), "lời kêu gọi": (), "diễn văn": (),
}
# Type code, in capitals -> the type it names. A code shared by two types names the first one
# listed (QĐ is quyết định; a quy định is known by QĐi), except TT, which may be a thông tri
# or a thông tư and so names neither.
TYPE_OF_CODE = {code.upper(): word for word, codes in reversed(DOCUMENT_TYPES.items())
                for code in codes if code != "TT"}
