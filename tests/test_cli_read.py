"""`sotay read`: an article or a text to real MP3 audio, and the text that will be spoken."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs Debian's espeak-ng")


def sotay(*args, env_extra=None, tmp_path=None):
    env = dict(os.environ, SOTAY_HOME=str(tmp_path / "home"), **(env_extra or {}))
    return subprocess.run([sys.executable, "-m", "sotay.cli", *args], env=env, capture_output=True,
                          text=True, timeout=300)


def mp3_seconds(path) -> float:
    import miniaudio

    decoded = miniaudio.decode_file(str(path))
    return decoded.num_frames / decoded.sample_rate


def test_read_text_to_mp3_and_show_text(tmp_path):
    out = tmp_path / "bai.mp3"
    text = "Ngày 22/12/2022, Thành ủy ban hành Kế hoạch 121-KH/TU cho 470.000 đảng viên."
    run = sotay("read", "--text", text, "-o", str(out), "--show-text", tmp_path=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "hai mươi hai tháng mười hai năm hai nghìn không trăm hai mươi hai" in run.stdout
    assert "bốn trăm bảy mươi nghìn" in run.stdout
    assert out.stat().st_size > 1000 and mp3_seconds(out) > 3


def test_read_a_document_of_the_library(tmp_path, make_library):
    library = make_library()
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "tin-1.txt").write_text("Hà Nội mở thêm 12 điểm tiêm vắc-xin\nSáng nay, 12 điểm tiêm mới "
                                      "đã đón người dân.", encoding="utf-8")
    library.ingest([folder])
    out = tmp_path / "tin.mp3"
    run = sotay("read", "tin-1", "-o", str(out), "--index", str(library.root), tmp_path=tmp_path)
    assert run.returncode == 0, run.stderr
    assert mp3_seconds(out) > 2
    missing = sotay("read", "khong-co", "--index", str(library.root), tmp_path=tmp_path)
    assert missing.returncode == 1 and "no document 'khong-co'" in missing.stderr


def test_read_needs_exactly_one_source(tmp_path):
    run = sotay("read", "--text", "a", "--file", __file__, tmp_path=tmp_path)
    assert run.returncode == 2 and "exactly one" in run.stderr
