"""Read an article aloud: normalize, split into sentences, synthesize one at a time, encode.

`stream` is the primitive; `synthesize` and `save` are built on it. Audio flows out after each
sentence, so an HTTP response starts playing while the rest is still being made, and the same
bytes go into the cache, which serves the next request for the article from disk.
"""

import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from . import audio
from .cache import AudioCache
from .engines import AutoEngine, Engine, get_engine
from .errors import NothingToRead, SynthesisTimeout
from .textnorm import normalize, split_sentences

# Total engine time one article may use (not wall time: a slow listener does not count).
ARTICLE_DEADLINE_S = 120.0
# How long a second request for an article being synthesized waits for the first to finish
# before making its own copy; offline articles take ~1 s, gTTS ones tens of seconds.
LOCK_WAIT_S = 60.0
READ_BLOCK = 64 * 1024

_default_cache: AudioCache | None = None


def default_cache() -> AudioCache:
    """The process-wide cache in `$SOTAY_HOME/tts-cache` (default `~/.cache/sotay/tts-cache`)."""
    global _default_cache
    if _default_cache is None or _default_cache.directory != AudioCache().directory:
        _default_cache = AudioCache()
    return _default_cache


def article_text(title: str | None, body: str) -> str:
    """What a listener hears for an article: the title, then the body, unless the body already
    opens with the title (many documents repeat it as their first line)."""
    body = body.strip()
    title = (title or "").strip()
    if title and not body.startswith(title):
        return f"{title}.\n{body}"
    return body


def _resolve_cache(cache) -> AudioCache | None:
    if cache is False:
        return None
    return default_cache() if cache is None or cache is True else cache


def stream(text: str, engine: str | Engine | None = "offline", fmt: str = "mp3", *,
           cache: AudioCache | bool | None = None, bitrate: int = audio.DEFAULT_BITRATE,
           deadline: float = ARTICLE_DEADLINE_S) -> Iterator[bytes]:
    """Yield `text` read aloud as `fmt` ("mp3" or "wav") bytes, sentence by sentence.

    engine: "offline" (espeak-ng, default), "gtts", "auto", or an Engine instance.
    cache:  None/True for the default cache, an AudioCache, or False for none.
    deadline: seconds of engine time the whole article may take; past it SynthesisTimeout.

    Errors that can be known up front (unknown engine or format, nothing to read) are raised
    here, before the first `next()`; engine errors are raised from the iterator. Concatenated,
    the chunks are one valid file: for WAV the header gives an unknown length, which players
    accept; `synthesize` and `save` fix it. Use in Flask as
    `Response(stream_with_context(tts.stream(text)), mimetype="audio/mpeg")`.
    """
    audio.check_format(fmt)
    engine = get_engine(engine)
    spoken = normalize(text)
    sentences = split_sentences(spoken)
    if not sentences:
        raise NothingToRead("nothing to read aloud: the text has no words")
    return _stream(spoken, sentences, engine, fmt, _resolve_cache(cache), bitrate, deadline)


def _stream(spoken, sentences, engine, fmt, cache, bitrate, deadline) -> Iterator[bytes]:
    if isinstance(engine, AutoEngine):
        engine.used.clear()
    if cache is None:
        yield from _synthesize(sentences, engine, fmt, bitrate, deadline, writer=None)
        return
    key = cache.key(spoken, engine.cache_key, fmt, bitrate)
    hit = cache.get(key, fmt)
    if hit:
        yield from _read_file(hit)
        return
    with cache.lock(key, LOCK_WAIT_S) as locked:
        hit = cache.get(key, fmt) if locked else None
        if hit:
            yield from _read_file(hit)
            return
        writer = cache.writer(key, fmt)
        try:
            pcm_bytes = yield from _synthesize(sentences, engine, fmt, bitrate, deadline, writer)
        except BaseException:
            # Includes GeneratorExit: a listener who hangs up leaves no half article behind.
            writer.discard()
            raise
        header = audio.wav_header(pcm_bytes) if fmt == "wav" else None
        if not isinstance(engine, AutoEngine):
            writer.commit(header)
        elif len(engine.used) == 1:
            # File it under the voice that actually spoke, so that a fallback to espeak-ng is
            # not replayed as "Google's" once Google answers again.
            spoke = engine.online if engine.used == {engine.online.name} else engine.offline
            writer.commit(header, cache.path(cache.key(spoken, spoke.cache_key, fmt, bitrate), fmt))
        else:
            # Mixed voices match no key; the next request makes the article again.
            writer.discard()


def _synthesize(sentences, engine, fmt, bitrate, deadline, writer):
    """Yield encoded chunks; return the number of PCM bytes (for a WAV header)."""
    encoder = audio.Encoder(fmt, bitrate)
    spent = 0.0
    for sentence in sentences:
        left = deadline - spent
        if left <= 0:
            raise SynthesisTimeout(f"the article took more than {deadline:.0f} s of synthesis; "
                                   "it was stopped. Use engine='offline' or a shorter text")
        started = time.monotonic()
        pcm = engine.synthesize(sentence, timeout=left)
        spent += time.monotonic() - started
        chunk = encoder.encode(pcm)
        if chunk:
            if writer is not None:
                writer.write(chunk)
            yield chunk
    tail = encoder.flush()
    if writer is not None:
        writer.write(tail)
    if tail:
        yield tail
    return encoder.data_bytes


def _read_file(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as f:
        while block := f.read(READ_BLOCK):
            yield block


def synthesize(text: str, engine: str | Engine | None = "offline", fmt: str = "mp3", *,
               cache: AudioCache | bool | None = None, bitrate: int = audio.DEFAULT_BITRATE,
               deadline: float = ARTICLE_DEADLINE_S) -> bytes:
    """The whole of `text` read aloud, as the bytes of one MP3 or WAV file."""
    data = b"".join(stream(text, engine, fmt, cache=cache, bitrate=bitrate, deadline=deadline))
    if fmt == "wav":
        data = audio.wav_header(len(data) - len(audio.wav_header())) + data[len(audio.wav_header()):]
    return data


def save(text: str, path: str | os.PathLike, engine: str | Engine | None = "offline",
         fmt: str | None = None, *, cache: AudioCache | bool | None = None,
         bitrate: int = audio.DEFAULT_BITRATE, deadline: float = ARTICLE_DEADLINE_S) -> Path:
    """Write `text` read aloud to `path` atomically; `fmt` defaults to the path's suffix.

    On any failure `path` is left as it was (no empty or partial file).
    """
    path = Path(path)
    fmt = fmt or (path.suffix.lstrip(".").lower() or "mp3")
    chunks = stream(text, engine, fmt, cache=cache, bitrate=bitrate, deadline=deadline)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            size = 0
            for chunk in chunks:
                f.write(chunk)
                size += len(chunk)
            if fmt == "wav":
                f.seek(0)
                f.write(audio.wav_header(size - len(audio.wav_header())))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
