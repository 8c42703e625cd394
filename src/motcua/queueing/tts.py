"""Server-side Vietnamese speech for display boards whose browser has no Vietnamese voice (most
TV sticks and Linux kiosks): the board plays a WAV file made here instead.

The command in ``settings.MOTCUA_TTS_COMMAND`` (a string split like a shell would, or a list;
default ``espeak-ng -v vi --stdout``) reads the text on its standard input and writes a WAV file
on its standard output. It is run without a shell, so no text can inject a command. Results are
cached on disk (the same few announcements are asked for by every board of a center), keyed by
a hash of the command and the text.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shlex
import shutil
import struct
import subprocess
import tempfile
import threading
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

DEFAULT_COMMAND = "espeak-ng -v vi --stdout"
# A speech command that takes longer than this is stuck (espeak-ng needs well under a second).
TIMEOUT_SECONDS = 20
# The cache keeps at most this many files (a few hundred kB each), the oldest go first.
CACHE_MAX_FILES = 3000

# Several boards ask for the same new announcement at once: one synthesis per text, the others
# wait for it and read the cache. Striped locks keep the memory bounded.
_LOCKS = [threading.Lock() for _ in range(16)]


def command() -> list[str]:
    value = getattr(settings, "MOTCUA_TTS_COMMAND", DEFAULT_COMMAND)
    if not value:
        return []
    if isinstance(value, str):
        return shlex.split(value)
    return [str(part) for part in value]


def available() -> bool:
    """Whether the speech command is installed (the board then plays the server's audio when
    its browser cannot speak Vietnamese)."""
    argv = command()
    return bool(argv) and shutil.which(argv[0]) is not None


def cache_dir() -> Path:
    default = Path(settings.VAR_DIR) / "cache" / "tts"
    return Path(getattr(settings, "MOTCUA_TTS_CACHE_DIR", default))


def synthesize(text: str) -> bytes | None:
    """The WAV audio of ``text``, or None when the speech command is missing or fails."""
    argv = command()
    if not argv or shutil.which(argv[0]) is None:
        return None
    key = hashlib.sha256(json.dumps([argv, text]).encode()).hexdigest()
    path = cache_dir() / f"{key}.wav"
    cached = _read(path)
    if cached is not None:
        return cached
    with _LOCKS[int(key[:8], 16) % len(_LOCKS)]:
        cached = _read(path)
        if cached is not None:
            return cached
        audio = _run(argv, text)
        if audio is not None:
            _store(path, audio)
        return audio


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _run(argv: list[str], text: str) -> bytes | None:
    try:
        result = subprocess.run(
            argv, input=text.encode("utf-8"), capture_output=True, timeout=TIMEOUT_SECONDS
        )
    except (OSError, subprocess.SubprocessError):
        logger.exception("speech command %s failed", argv[0])
        return None
    if result.returncode != 0 or not result.stdout:
        logger.error(
            "speech command %s exited with %s: %s",
            argv[0],
            result.returncode,
            result.stderr.decode("utf-8", "replace")[:500],
        )
        return None
    return fix_wav_sizes(result.stdout)


def fix_wav_sizes(audio: bytes) -> bytes:
    """A WAV written to a pipe cannot seek back to fill in its sizes (espeak-ng leaves
    0x7ffff000-ish placeholders); some players then wait for data that never comes. Set the
    RIFF and data sizes from the real length."""
    if len(audio) < 12 or audio[:4] != b"RIFF" or audio[8:12] != b"WAVE":
        return audio
    fixed = bytearray(audio)
    fixed[4:8] = struct.pack("<I", len(audio) - 8)
    offset = 12
    while offset + 8 <= len(fixed):
        chunk, size = (
            fixed[offset : offset + 4],
            struct.unpack("<I", fixed[offset + 4 : offset + 8])[0],
        )
        if chunk == b"data":
            fixed[offset + 4 : offset + 8] = struct.pack("<I", len(fixed) - offset - 8)
            break
        offset += 8 + size + (size & 1)
    return bytes(fixed)


def _store(path: Path, audio: bytes) -> None:
    """Write atomically (a board may read while another process writes), then keep the cache
    bounded."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".part")
        with os.fdopen(handle, "wb") as out:
            out.write(audio)
        os.replace(temporary, path)
        _prune(path.parent)
    except OSError:
        logger.exception("could not cache speech in %s", path.parent)


def _prune(directory: Path) -> None:
    files = list(directory.glob("*.wav"))
    if len(files) <= CACHE_MAX_FILES:
        return
    files.sort(key=lambda file: file.stat().st_mtime)
    for old in files[: len(files) - CACHE_MAX_FILES * 9 // 10]:
        old.unlink(missing_ok=True)
