"""Errors raised by tts. Every message says what the caller or the operator can do next."""


class TTSError(Exception):
    """Base class of every error tts raises on purpose."""


class EngineUnavailable(TTSError):
    """The engine cannot be used now: not installed, unreachable, or skipped by its breaker.

    `engine="auto"` catches this and reads with the offline engine instead.
    """


class SynthesisTimeout(EngineUnavailable):
    """The engine did not answer within its time limit; the request was abandoned, not left hanging."""


class UnknownEngine(TTSError, ValueError):
    """A name that `get_engine` does not know."""


class UnsupportedFormat(TTSError, ValueError):
    """An audio format other than "mp3" or "wav"."""


class NothingToRead(TTSError, ValueError):
    """The text has no words once normalized (empty, or only punctuation)."""
