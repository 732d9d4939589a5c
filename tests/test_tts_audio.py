"""The offline engine end to end, on real audio: espeak-ng runs, lame encodes, miniaudio decodes."""

import io
import re
import shutil
import subprocess
import sys
import threading
import wave
from pathlib import Path

import miniaudio
import numpy as np
import pytest

import tts
from tts import AudioCache, EspeakEngine

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None,
                                reason="needs Debian's espeak-ng (apt-get install espeak-ng)")

NEWS = ("Ngày 22/12/2022, Ban Chấp hành T.Ư họp phiên bế mạc. "
        "Giá điện tăng 3,5% từ ngày 10/8, tức khoảng 470.000 đồng mỗi hộ. "
        "UBND TP. Hà Nội triển khai Nghị quyết số 21-NQ/TW tới 30 quận, huyện.")
# Sentences of very different lengths, the first long enough to fill several MP3 frames.
THREE = ("Hội nghị lần thứ tám Ban Chấp hành Trung ương Đảng khóa XIII đã thảo luận kỹ lưỡng "
         "về tình hình kinh tế xã hội năm nay. Các đại biểu đồng tình. Hội nghị bế mạc.")
RMS_FLOOR = 300  # int16; espeak-ng speech is ~3000, digital silence 0, hiss well under 100.


class CountingEngine(tts.Engine):
    """The real espeak-ng engine, counting its calls (no part of synthesis is faked)."""

    name = "offline"

    def __init__(self):
        self.inner = EspeakEngine()
        self.calls = 0
        self._lock = threading.Lock()

    @property
    def cache_key(self):
        return self.inner.cache_key

    def synthesize(self, sentence, timeout=None):
        with self._lock:
            self.calls += 1
        return self.inner.synthesize(sentence, timeout)


def decode(data: bytes) -> np.ndarray:
    decoded = miniaudio.decode(data, output_format=miniaudio.SampleFormat.SIGNED16, nchannels=1,
                               sample_rate=tts.SAMPLE_RATE)
    return np.frombuffer(decoded.samples, dtype=np.int16)


def syllables(text: str) -> int:
    return len(re.findall(r"\w+", tts.normalize(text)))


@pytest.fixture
def cache(tmp_path):
    return AudioCache(tmp_path / "tts-cache")


def test_mp3_decodes_with_speech_pace_and_sound(cache):
    mp3 = tts.synthesize(NEWS, cache=cache)
    assert mp3[:3] == b"ID3" or mp3[0] == 0xFF
    samples = decode(mp3)
    seconds = len(samples) / tts.SAMPLE_RATE
    per_syllable = seconds / syllables(NEWS)
    assert 0.15 <= per_syllable <= 0.35, per_syllable
    rms = float(np.sqrt(np.mean(samples.astype(np.float64) ** 2)))
    assert rms > RMS_FLOOR, rms


def test_wav_has_exact_header_and_same_length_as_mp3(cache):
    wav = tts.synthesize(NEWS, fmt="wav", cache=cache)
    with wave.open(io.BytesIO(wav)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (tts.SAMPLE_RATE, 1, 2)
        assert w.getnframes() * 2 == len(wav) - 44
        seconds = w.getnframes() / tts.SAMPLE_RATE
    mp3 = tts.synthesize(NEWS, fmt="mp3", cache=cache)
    # MP3 adds encoder delay and padding: a few frames, never whole sentences.
    assert abs(len(decode(mp3)) / tts.SAMPLE_RATE - seconds) < 0.2


def test_numbers_are_spoken_as_words():
    spoken = tts.normalize("Giá 470.000 đồng, tăng 3,5% từ 2/9/1945.")
    assert spoken == ("Giá bốn trăm bảy mươi nghìn đồng, tăng ba phẩy năm phần trăm từ "
                      "ngày hai tháng chín năm một nghìn chín trăm bốn mươi lăm.")


def test_first_chunk_comes_after_the_first_sentence_only():
    engine = CountingEngine()
    chunks = tts.stream(THREE, engine=engine, cache=False)
    assert engine.calls == 0
    first = next(chunks)
    assert first and engine.calls == 1
    rest = b"".join(chunks)
    assert engine.calls == 3
    assert len(decode(first + rest)) / tts.SAMPLE_RATE > 4


def test_stream_fills_cache_and_replay_skips_synthesis(cache):
    engine = CountingEngine()
    streamed = b"".join(tts.stream(THREE, engine=engine, cache=cache))
    assert engine.calls == 3
    assert len(list((cache.directory).glob("??/*.mp3"))) == 1
    replayed = b"".join(tts.stream(THREE, engine=engine, cache=cache))
    assert engine.calls == 3
    assert replayed == streamed


def test_listener_hanging_up_leaves_no_partial_file(cache):
    chunks = tts.stream(THREE, engine=CountingEngine(), cache=cache)
    next(chunks)
    chunks.close()
    assert not list(cache.directory.glob("??/*"))


def test_concurrent_requests_for_one_article_synthesize_once(cache):
    engine = CountingEngine()
    results = [None] * 4

    def listen(i):
        results[i] = tts.synthesize(THREE, engine=engine, cache=cache)

    threads = [threading.Thread(target=listen, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert engine.calls == 3
    assert all(r == results[0] for r in results) and results[0]


def test_cache_key_depends_on_voice_rate_and_format(cache):
    tts.synthesize("Xin chào.", cache=cache)
    tts.synthesize("Xin chào.", engine=EspeakEngine(rate=140), cache=cache)
    tts.synthesize("Xin chào.", fmt="wav", cache=cache)
    assert len(cache.entries()) == 3


def test_cache_evicts_least_recently_used(tmp_path):
    cache = AudioCache(tmp_path, max_bytes=1)
    tts.synthesize("Câu thứ nhất.", cache=cache)
    tts.synthesize("Câu thứ hai.", cache=cache)
    assert len(cache.entries()) <= 1
    cache = AudioCache(tmp_path, max_bytes=10**9)
    tts.synthesize("Câu thứ ba.", cache=cache)
    assert cache.size() > 0


def test_sotay_home_sets_the_cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("SOTAY_HOME", str(tmp_path))
    tts.synthesize("Xin chào.")
    assert list((tmp_path / "tts-cache").glob("??/*.mp3"))


def test_save_is_atomic_and_reads_format_from_suffix(tmp_path, cache):
    out = tts.save("Xin chào các đồng chí.", tmp_path / "a.wav", cache=cache)
    assert out.read_bytes()[:4] == b"RIFF"
    target = tmp_path / "b.mp3"
    target.write_bytes(b"old")
    with pytest.raises(tts.UnsupportedFormat):
        tts.save("Xin chào.", target, fmt="ogg")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.wav", "b.mp3", "tts-cache"]


def test_clear_errors():
    with pytest.raises(tts.UnknownEngine, match="offline"):
        tts.stream("Xin chào.", engine="festival")
    with pytest.raises(tts.NothingToRead):
        tts.stream(" ... ")
    with pytest.raises(tts.EngineUnavailable, match="apt-get install espeak-ng"):
        tts.synthesize("Xin chào.", engine=EspeakEngine(binary="/nonexistent/espeak-ng"), cache=False)


def test_espeak_timeout_is_reported(tmp_path):
    slow = tmp_path / "slow-espeak"
    slow.write_text("#!/bin/sh\nexec sleep 30\n")
    slow.chmod(0o755)
    engine = EspeakEngine(binary=str(slow), timeout=0.5)
    with pytest.raises(tts.SynthesisTimeout, match="espeak-ng"):
        tts.synthesize("Xin chào.", engine=engine, cache=False)


def test_package_stands_alone():
    code = ("import sys, tts; bad = {'search_api', 'index', 'ingest', 'sotay'} & "
            "{m.split('.')[0] for m in sys.modules}; assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(tts.__file__).parents[1])
