"""Streaming speech: the first MP3 bytes leave while the rest of the article is still synthesized."""
from __future__ import annotations

from collections.abc import Iterator

from flask import Response, current_app

import tts

from .errors import ServiceError


def stream_speech(text: str, engine: str | None) -> Response:
    """A chunked `audio/mpeg` response of `text` read aloud.

    The first chunk is synthesized before the response starts, so a missing engine becomes a
    proper 503 error instead of a cut-off stream with a 200 status.
    """
    kwargs = {"fmt": "mp3"}
    if engine:
        kwargs["engine"] = engine
    try:
        chunks = tts.stream(text, **kwargs)
        first = next(chunks, b"")
    except tts.NothingToRead as exc:
        raise ServiceError(422, "invalid_parameter", f"invalid parameter text: {exc}") from None
    except tts.TTSError as exc:
        current_app.logger.warning("speech synthesis failed: %s", exc)
        raise ServiceError(503, "tts_unavailable", f"speech synthesis failed: {exc}") from None

    logger = current_app.logger

    def body() -> Iterator[bytes]:
        yield first
        try:
            yield from chunks
        except Exception:
            # Headers are gone already; all we can do is end the stream and keep the reason.
            logger.exception("speech synthesis failed mid-stream")

    response = Response(body(), mimetype="audio/mpeg", direct_passthrough=True)
    # Synthesis is deterministic; let the browser reuse what it fetched for replays.
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
