"""PCM plumbing: the one sample format every engine returns, MP3 and WAV framing.

All engines hand back 16-bit little-endian mono PCM at SAMPLE_RATE, so one MP3 encoder can run
across a whole article (no gap or bit-reservoir break between sentences) even when `auto`
mixes engines mid-article.
"""

import struct

import lameenc

from .errors import UnsupportedFormat

# espeak-ng's native rate: the default engine then needs no resampling.
SAMPLE_RATE = 22050
SAMPLE_WIDTH = 2
FORMATS = ("mp3", "wav")
MIME_TYPES = {"mp3": "audio/mpeg", "wav": "audio/wav"}
# Speech at 22.05 kHz mono is transparent enough at 48 kbps (MPEG-2 layer III); an article of
# two minutes is ~0.7 MB.
DEFAULT_BITRATE = 48
# What a streamed WAV header says when the length is not known yet; players read to the end.
UNKNOWN_LENGTH = 0xFFFFFFFF - 36


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise UnsupportedFormat(f"audio format {fmt!r} is not supported: use one of {FORMATS}")
    return fmt


def wav_header(data_bytes: int = UNKNOWN_LENGTH) -> bytes:
    byte_rate = SAMPLE_RATE * SAMPLE_WIDTH
    return (b"RIFF" + struct.pack("<I", min(data_bytes + 36, 0xFFFFFFFF)) + b"WAVE"
            + b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, SAMPLE_RATE, byte_rate, SAMPLE_WIDTH, 16)
            + b"data" + struct.pack("<I", data_bytes))


def pcm_from_wav(wav: bytes) -> bytes:
    """The samples of a WAV file; espeak-ng writes a header whose sizes are placeholders when it
    writes to a pipe, so the data chunk runs to the end of the bytes."""
    pos = 12
    while pos + 8 <= len(wav):
        chunk, size = wav[pos:pos + 4], struct.unpack("<I", wav[pos + 4:pos + 8])[0]
        if chunk == b"data":
            data = wav[pos + 8:]
            return data[:len(data) - len(data) % SAMPLE_WIDTH]
        pos += 8 + size + (size & 1)
    return b""


class Encoder:
    """Turns a sequence of PCM blocks into one continuous stream of `fmt` bytes."""

    def __init__(self, fmt: str = "mp3", bitrate: int = DEFAULT_BITRATE):
        self.fmt = check_format(fmt)
        self.data_bytes = 0
        self._header_sent = False
        if fmt == "mp3":
            self._lame = lameenc.Encoder()
            self._lame.set_bit_rate(bitrate)
            self._lame.set_in_sample_rate(SAMPLE_RATE)
            self._lame.set_channels(1)
            # Quality 5 is lame's speed/quality middle; 2 costs ~2x the time for no audible gain
            # on espeak-ng's voice.
            self._lame.set_quality(5)

    def encode(self, pcm: bytes) -> bytes:
        self.data_bytes += len(pcm)
        if self.fmt == "mp3":
            return bytes(self._lame.encode(pcm))
        if not self._header_sent:
            self._header_sent = True
            return wav_header() + pcm
        return pcm

    def flush(self) -> bytes:
        if self.fmt == "mp3":
            return bytes(self._lame.flush())
        return b"" if self._header_sent else wav_header(0)
