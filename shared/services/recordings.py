"""Voice messages on disk: stored under the data directory, referenced from the database."""

from __future__ import annotations

import secrets
from pathlib import Path

from sqlalchemy.orm import Session

from shared.clock import utcnow
from shared.models import Request, VoiceMessage

PURPOSES = ("name", "topic", "message")


def recordings_dir(data_dir: Path) -> Path:
    """Where voice messages live (created on first use, private to the service user)."""
    path = data_dir / "recordings"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def store_voice_message(
    session: Session, data_dir: Path, request: Request, purpose: str, audio: bytes,
    duration_seconds: float, content_type: str = "audio/wav", transcript: str | None = None,
) -> VoiceMessage:
    """Write *audio* to disk and attach it to *request*."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown voice message purpose {purpose!r}")
    suffix = ".wav" if content_type == "audio/wav" else ".bin"
    relative = f"{request.id}-{purpose}-{secrets.token_hex(8)}{suffix}"
    target = recordings_dir(data_dir) / relative
    target.write_bytes(audio)
    target.chmod(0o600)
    now = utcnow()
    message = VoiceMessage(
        purpose=purpose, path=relative, content_type=content_type, duration_seconds=duration_seconds,
        transcript=transcript, transcribed_at=now if transcript is not None else None, created_at=now,
    )
    request.voice_messages.append(message)
    session.flush()
    return message


def voice_message_path(data_dir: Path, message: VoiceMessage) -> Path:
    """Absolute path of a stored voice message."""
    return recordings_dir(data_dir) / message.path


def delete_voice_message_file(data_dir: Path, message: VoiceMessage) -> None:
    """Remove the audio file of *message* (the row is deleted by the caller)."""
    voice_message_path(data_dir, message).unlink(missing_ok=True)
