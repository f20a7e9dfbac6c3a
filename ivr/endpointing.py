"""When did the caller start and stop talking? Energy-based voice activity on 20 ms frames.

Line noise before an answer is kept back from the recognizer (most of a call is silence, and
recognition is the costliest part of a frame); a short pre-roll goes in with the first loud frame
so no word onset is lost. Once speech was heard, every frame goes to the recognizer, and
:data:`END_SILENCE_SECONDS` of quiet frames end the utterance. Vosk's own endpointer keeps
running alongside and may end it first; on a noisy line, where frames never fall below the
speech level, it is the only one that fires.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from ivr.audio import FRAME_MS, Samples, level

SPEECH_LEVEL = 300.0  # RMS (about -40 dBFS): louder frames are speech, quieter ones line noise
PREROLL_FRAMES = 15  # 300 ms fed to the recognizer before the first loud frame
END_SILENCE_SECONDS = 0.5  # quiet after speech that ends an answer (Vosk's own rule needs 0.5-1 s)


@dataclass(frozen=True)
class Verdict:
    """What one frame means: audio for the recognizer (maybe empty), and whether the answer ended."""

    pcm: bytes
    started: bool = False
    ended: bool = False


class Endpointer:
    """Voice activity of one answer, frame by frame."""

    def __init__(self, end_silence_seconds: float = END_SILENCE_SECONDS, speech_level: float = SPEECH_LEVEL,
                 preroll_frames: int = PREROLL_FRAMES) -> None:
        self.speech_level = speech_level
        self.end_frames = max(1, round(end_silence_seconds * 1000 / FRAME_MS))
        self._preroll: deque[bytes] = deque(maxlen=preroll_frames)
        self.speaking = False
        self.quiet_frames = 0

    def reset(self) -> None:
        """Wait for speech again (after a noise burst that was no answer)."""
        self._preroll.clear()
        self.speaking = False
        self.quiet_frames = 0

    def push(self, samples: Samples) -> Verdict:
        """Judge one frame of 16-bit samples."""
        pcm = samples.tobytes()
        loud = level(samples) >= self.speech_level
        if not self.speaking:
            if not loud:
                self._preroll.append(pcm)
                return Verdict(b"")
            self.speaking = True
            self.quiet_frames = 0
            self._preroll.append(pcm)
            audio = b"".join(self._preroll)
            self._preroll.clear()
            return Verdict(audio, started=True)
        self.quiet_frames = 0 if loud else self.quiet_frames + 1
        return Verdict(pcm, ended=self.quiet_frames >= self.end_frames)
