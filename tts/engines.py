"""Speech engines behind one small interface.

An engine turns one normalized sentence into PCM (16-bit mono at `audio.SAMPLE_RATE`):

    engine.synthesize("Xin chào các bạn.", timeout=5.0) -> bytes

- `offline` (default): espeak-ng, the Debian binary, run as a subprocess (it is GPL, so it is
  called, never linked). Robotic but tonal, ~100x faster than real time, needs no network.
- `gtts`: Google Translate's voice through gTTS. Every request has connect/read timeouts and the
  caller's time budget; a failure opens a breaker so later requests skip Google for a while.
- `auto`: gTTS while it answers in time, otherwise espeak-ng, sentence by sentence.
"""

import io
import os
import shutil
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from . import audio
from .errors import EngineUnavailable, SynthesisTimeout, TTSError, UnknownEngine


class Engine:
    """What every engine provides. `cache_key` names everything that changes the audio."""

    name = "engine"

    def synthesize(self, sentence: str, timeout: float | None = None) -> bytes:
        """PCM of `sentence`; raise EngineUnavailable (or SynthesisTimeout) within `timeout` s."""
        raise NotImplementedError

    @property
    def cache_key(self) -> tuple:
        raise NotImplementedError


class EspeakEngine(Engine):
    """espeak-ng speaking Vietnamese.

    rate is in espeak-ng's words per minute; for Vietnamese 160 gives ~0.24 s a syllable with
    pauses, a calm news pace that older listeners asked for (espeak-ng's 175 is brisker).
    """

    name = "offline"

    def __init__(self, voice: str = "vi", rate: int = 160, timeout: float = 20.0,
                 binary: str | None = None):
        self.voice, self.rate, self.timeout = voice, rate, timeout
        self.binary = binary or shutil.which("espeak-ng")

    @property
    def cache_key(self) -> tuple:
        return (self.name, self.voice, self.rate)

    def synthesize(self, sentence: str, timeout: float | None = None) -> bytes:
        missing = EngineUnavailable("espeak-ng is not installed: run `apt-get install espeak-ng` "
                                    "(Debian/Ubuntu) or choose engine='gtts'")
        if not self.binary:
            raise missing
        limit = self.timeout if timeout is None else min(self.timeout, timeout)
        # Text on stdin, never argv: a sentence starting with "-" would be read as an option.
        cmd = [self.binary, "-v", self.voice, "-s", str(self.rate), "-b", "1", "--stdout"]
        try:
            done = subprocess.run(cmd, input=sentence.encode("utf-8"), capture_output=True,
                                  timeout=max(limit, 0.01), check=False)
        except subprocess.TimeoutExpired as exc:
            raise SynthesisTimeout(f"espeak-ng took more than {limit:.1f} s on one sentence and "
                                   "was stopped; try a shorter text") from exc
        except FileNotFoundError as exc:
            raise missing from exc
        except OSError as exc:
            raise EngineUnavailable(f"cannot run {self.binary}: {exc}") from exc
        if done.returncode != 0:
            raise TTSError(f"espeak-ng failed (exit {done.returncode}): "
                           f"{done.stderr.decode(errors='replace').strip()[:200]}; check that "
                           f"the voice {self.voice!r} exists (`espeak-ng --voices=vi`)")
        return audio.pcm_from_wav(done.stdout)


class CircuitBreaker:
    """After a failure, say "skip" for `cooldown` seconds, then let one request try again.

    Shared by all gTTS engines of a process, so one unreachable Google costs one timeout, not one
    per request.
    """

    def __init__(self, cooldown: float = 120.0):
        self.cooldown = cooldown
        self._lock = threading.Lock()
        self._open_until = 0.0
        self.last_error = ""

    def allow(self) -> bool:
        with self._lock:
            now = time.monotonic()
            if now < self._open_until:
                return False
            if self._open_until:
                # Half-open: this caller probes; the others keep skipping until it reports.
                self._open_until = now + self.cooldown
            return True

    def remaining(self) -> float:
        with self._lock:
            return max(0.0, self._open_until - time.monotonic())

    def failure(self, error: str) -> None:
        with self._lock:
            self._open_until = time.monotonic() + self.cooldown
            self.last_error = error

    def success(self) -> None:
        with self._lock:
            self._open_until = 0.0
            self.last_error = ""

    def reset(self) -> None:
        self.success()


GTTS_BREAKER = CircuitBreaker()
# gTTS blocks in requests; calls run here so that the caller can stop waiting at its deadline
# even when a socket has not timed out yet. The socket timeouts end the worker soon after.
_GTTS_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="tts-gtts")


class GTTSEngine(Engine):
    """Google's voice via gTTS: needs the network and the `miniaudio` package to decode MP3."""

    name = "gtts"

    def __init__(self, lang: str = "vi", tld: str = "com", connect_timeout: float = 3.0,
                 read_timeout: float = 6.0, breaker: CircuitBreaker | None = None):
        self.lang, self.tld = lang, tld
        self.connect_timeout, self.read_timeout = connect_timeout, read_timeout
        self.breaker = breaker or GTTS_BREAKER

    @property
    def cache_key(self) -> tuple:
        return (self.name, self.lang, self.tld)

    def synthesize(self, sentence: str, timeout: float | None = None) -> bytes:
        if not self.breaker.allow():
            raise EngineUnavailable(
                f"gTTS skipped for {self.breaker.remaining():.0f} s after a failure "
                f"({self.breaker.last_error}); use engine='offline' or 'auto'")
        limit = self.connect_timeout + 2 * self.read_timeout if timeout is None else timeout
        future = _GTTS_POOL.submit(self._fetch_mp3, sentence, limit)
        try:
            mp3 = future.result(timeout=max(limit, 0.01))
        except FutureTimeout as exc:
            self.breaker.failure(f"no answer in {limit:.1f} s")
            raise SynthesisTimeout(f"Google TTS did not answer within {limit:.1f} s; "
                                   "use engine='offline' or 'auto'") from exc
        except EngineUnavailable as exc:
            self.breaker.failure(str(exc)[:120])
            raise
        self.breaker.success()
        return _decode_mp3(mp3)

    def _fetch_mp3(self, sentence: str, limit: float) -> bytes:
        import requests
        from gtts import gTTS, gTTSError

        connect = min(self.connect_timeout, limit)
        read = min(self.read_timeout, limit)
        # Our own normalizer already ran; gTTS's English pre-processors would only interfere.
        tts = gTTS(sentence, lang=self.lang, tld=self.tld, lang_check=False,
                   pre_processor_funcs=[], timeout=(connect, read))
        buf = io.BytesIO()
        try:
            tts.write_to_fp(buf)
        except (gTTSError, requests.RequestException, OSError) as exc:
            if _caused_by(exc, requests.Timeout):
                raise SynthesisTimeout(f"Google TTS did not answer within {limit:.1f} s; "
                                       "use engine='offline' or 'auto'") from exc
            raise EngineUnavailable(f"Google TTS unreachable: {exc}; use engine='offline' "
                                    "or 'auto'") from exc
        return buf.getvalue()


def _caused_by(exc: BaseException, kind: type) -> bool:
    """gTTS re-raises requests' errors as gTTSError; the cause keeps the real kind."""
    while exc is not None:
        if isinstance(exc, kind):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _decode_mp3(mp3: bytes) -> bytes:
    try:
        import miniaudio
    except ImportError as exc:
        raise EngineUnavailable("the gtts engine needs the `miniaudio` package to decode "
                                "Google's MP3: pip install miniaudio") from exc
    decoded = miniaudio.decode(mp3, output_format=miniaudio.SampleFormat.SIGNED16,
                               nchannels=1, sample_rate=audio.SAMPLE_RATE)
    return decoded.samples.tobytes()


class AutoEngine(Engine):
    """gTTS when it answers within `gtts_timeout` per sentence, else espeak-ng.

    `used` records which engines spoke, so the caller knows whether the article is all of one
    voice (and may be cached under that voice's key).
    """

    name = "auto"

    def __init__(self, online: GTTSEngine | None = None, offline: EspeakEngine | None = None,
                 gtts_timeout: float = 8.0):
        self.online = online or GTTSEngine()
        self.offline = offline or EspeakEngine()
        self.gtts_timeout = gtts_timeout
        self.used: set[str] = set()

    @property
    def cache_key(self) -> tuple:
        """The key of the engine the next sentence will most likely come from."""
        return self.online.cache_key if self.online.breaker.remaining() == 0 else self.offline.cache_key

    def synthesize(self, sentence: str, timeout: float | None = None) -> bytes:
        online_limit = self.gtts_timeout if timeout is None else min(self.gtts_timeout, timeout)
        try:
            pcm = self.online.synthesize(sentence, timeout=online_limit)
            self.used.add(self.online.name)
            return pcm
        except EngineUnavailable:
            pcm = self.offline.synthesize(sentence)
            self.used.add(self.offline.name)
            return pcm


ENGINES = ("offline", "gtts", "auto")


def get_engine(name: str | Engine | None = None, **options) -> Engine:
    """An engine by name: "offline" (espeak-ng), "gtts" or "auto".

    None reads `$SOTAY_TTS_ENGINE`, default "offline". An Engine instance is returned as is.
    Options go to the engine's constructor (e.g. `rate=150` for offline).
    """
    if isinstance(name, Engine):
        return name
    name = (name or os.environ.get("SOTAY_TTS_ENGINE") or "offline").lower()
    if name == "offline":
        return EspeakEngine(**options)
    if name == "gtts":
        return GTTSEngine(**options)
    if name == "auto":
        return AutoEngine(**options)
    raise UnknownEngine(f"unknown TTS engine {name!r}: choose one of {', '.join(ENGINES)}")
