"""Sổ tay's news reader: Vietnamese text read aloud, offline by default.

    import tts
    tts.normalize("Ngày 2/9/1945")            # -> "ngày hai tháng chín năm một nghìn ..."
    for chunk in tts.stream(text):           # MP3 bytes, sentence by sentence
        ...
    tts.synthesize(text, engine="auto", fmt="wav") -> bytes
    tts.save(text, "bai-bao.mp3")

Engines: "offline" (espeak-ng, default), "gtts" (Google, needs the network), "auto" (gTTS when
it answers in time, else offline). Errors are subclasses of TTSError. See docs/tts.md.
Stands alone: imports nothing from search_api, index or ingest.
"""

from .audio import FORMATS, MIME_TYPES, SAMPLE_RATE
from .cache import AudioCache
from .engines import ENGINES, GTTS_BREAKER, AutoEngine, CircuitBreaker, Engine, EspeakEngine, GTTSEngine, get_engine
from .errors import EngineUnavailable, NothingToRead, SynthesisTimeout, TTSError, UnknownEngine, UnsupportedFormat
from .reader import article_text, default_cache, save, stream, synthesize
from .textnorm import normalize, split_sentences, warm_up

__all__ = [
    "article_text", "normalize", "split_sentences", "warm_up", "stream", "synthesize", "save",
    "Engine", "EspeakEngine", "GTTSEngine", "AutoEngine", "CircuitBreaker", "GTTS_BREAKER",
    "get_engine", "ENGINES", "AudioCache", "default_cache", "FORMATS", "MIME_TYPES",
    "SAMPLE_RATE", "TTSError", "EngineUnavailable", "SynthesisTimeout", "UnknownEngine",
    "UnsupportedFormat", "NothingToRead",
]
