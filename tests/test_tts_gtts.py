"""gTTS against a network that accepts connections and never answers.

The proxy below is a socket on 127.0.0.1 that listens and never replies: the TCP handshake
completes (the kernel's backlog does it), then every read waits. With gTTS's default
`timeout=None` this hangs forever; here each test must end quickly with a clear error, and
`auto` must read the article with espeak-ng instead.
"""

import shutil
import socket
import time

import miniaudio
import pytest

import tts
from tts import AutoEngine, CircuitBreaker, EspeakEngine, GTTSEngine

TEXT = "Ngày 2/9/1945, Chủ tịch Hồ Chí Minh đọc Tuyên ngôn độc lập. Cả nước vui mừng."


@pytest.fixture
def black_hole(monkeypatch):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    for var in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.setenv(var, url)
    for var in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(var, raising=False)
    yield url
    sock.close()


def fast_gtts(breaker=None, **kw):
    return GTTSEngine(connect_timeout=0.5, read_timeout=1.0,
                      breaker=breaker or CircuitBreaker(cooldown=60), **kw)


def test_unanswered_google_fails_fast_with_clear_error(black_hole):
    engine = fast_gtts()
    started = time.monotonic()
    with pytest.raises(tts.EngineUnavailable, match="engine='offline'"):
        tts.synthesize(TEXT, engine=engine, cache=False)
    assert time.monotonic() - started < 5


def test_article_deadline_holds_even_with_long_socket_timeouts(black_hole):
    engine = GTTSEngine(connect_timeout=30, read_timeout=30, breaker=CircuitBreaker())
    started = time.monotonic()
    with pytest.raises(tts.SynthesisTimeout, match="did not answer within"):
        tts.synthesize(TEXT, engine=engine, cache=False, deadline=1.0)
    assert time.monotonic() - started < 3


def test_breaker_then_skips_google_immediately(black_hole):
    engine = fast_gtts()
    with pytest.raises(tts.EngineUnavailable):
        tts.synthesize(TEXT, engine=engine, cache=False)
    started = time.monotonic()
    with pytest.raises(tts.EngineUnavailable, match="skipped"):
        tts.synthesize(TEXT, engine=engine, cache=False)
    assert time.monotonic() - started < 0.5


def test_breaker_lets_one_probe_through_after_cooldown():
    breaker = CircuitBreaker(cooldown=0.2)
    breaker.failure("boom")
    assert not breaker.allow()
    time.sleep(0.25)
    assert breaker.allow()
    assert not breaker.allow()
    breaker.success()
    assert breaker.allow()


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")
def test_auto_falls_back_to_offline(black_hole, tmp_path):
    engine = AutoEngine(online=fast_gtts(), offline=EspeakEngine(), gtts_timeout=1.5)
    started = time.monotonic()
    mp3 = tts.synthesize(TEXT, engine=engine, cache=tts.AudioCache(tmp_path))
    # One wait on Google for the first sentence; the open breaker skips it for the second.
    assert time.monotonic() - started < 5
    assert engine.used == {"offline"}
    assert miniaudio.decode(mp3).duration > 3
    # Read wholly by espeak-ng, so it is cached under espeak-ng's key for the next listener.
    key = tts.AudioCache.key(tts.normalize(TEXT), EspeakEngine().cache_key, "mp3", 48)
    assert tts.AudioCache(tmp_path).get(key, "mp3") is not None


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")
def test_auto_with_open_breaker_does_not_wait(black_hole):
    breaker = CircuitBreaker(cooldown=60)
    breaker.failure("earlier timeout")
    engine = AutoEngine(online=fast_gtts(breaker), offline=EspeakEngine())
    started = time.monotonic()
    assert tts.synthesize(TEXT, engine=engine, cache=False)
    assert time.monotonic() - started < 2
    assert engine.used == {"offline"}


def test_failed_save_leaves_no_empty_file(black_hole, tmp_path):
    target = tmp_path / "bai.mp3"
    with pytest.raises(tts.EngineUnavailable):
        tts.save(TEXT, target, engine=fast_gtts(), cache=False)
    assert list(tmp_path.iterdir()) == []


def test_engines_by_name():
    assert isinstance(tts.get_engine("offline"), EspeakEngine)
    assert isinstance(tts.get_engine("gtts"), GTTSEngine)
    assert isinstance(tts.get_engine("AUTO"), AutoEngine)
    with pytest.raises(tts.UnknownEngine):
        tts.get_engine("say")
