"""An OCRmyPDF plugin that reports pages done on stderr, one line a page, for `ingest.ocr`.

Loaded by path (`ocrmypdf --plugin .../ocr_progress.py`) inside the OCRmyPDF subprocess, so it
imports nothing from Sổ tay. OCRmyPDF hands its progress bar every step's counts; only the OCR
step counts pages recognised.
"""
from __future__ import annotations

import sys

from ocrmypdf import hookimpl

MARK = "SOTAY-PAGE"


class PageProgress:
    def __init__(self, total=None, desc=None, unit=None, disable=False, **kwargs):
        # `disable` is OCRmyPDF's "no progress bar on a pipe": the report is wanted all the same.
        self.total = int(total) if total else 0
        self.counting = desc == "OCR" and unit == "page"
        self.done = 0.0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def update(self, n=1, *, completed=None):
        if not self.counting:
            return
        self.done = completed if completed is not None else self.done + (n or 0)
        print(f"{MARK} {int(self.done)} {self.total}", file=sys.stderr, flush=True)


@hookimpl
def get_progressbar_class():
    return PageProgress
