"""When did the caller start and stop talking? Energy-based voice activity on 20 ms frames.

Line noise before an answer is kept back from the recognizer (most of a call is silence, and
recognition is the costliest part of a frame); a short pre-roll goes in with the first loud frame
so no word onset is lost. Once speech was heard, every frame goes to the recognizer. After
:data:`SETTLE_SECONDS` of quiet the answer has probably ended (time to decode it), after
:data:`END_SILENCE_SECONDS` it has. Vosk's own endpointer runs alongside until then; on a noisy
line, where frames never fall below the speech level, it is the one that ends the answer.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from ivr.speech.audio import FRAME_MS, Samples, level

SPEECH_LEVEL = 300.0  # RMS (about -40 dBFS): louder frames are speech, quieter ones line noise
PREROLL_FRAMES = 15  # 300 ms fed to the recognizer before the first loud frame
SETTLE_SECONDS = 0.26  # quiet after speech after which the answer is decoded (and a whole phrase answered)
END_SILENCE_SECONDS = 0.5  # quiet after speech that ends an answer (Vosk's own rule needs 0.5-1 s)


@dataclass(frozen=True)
class Verdict:
    """What one frame means for the answer being listened to."""

    pcm: bytes  # audio for the recognizer: empty before speech, the pre-roll with the first loud frame
    started: bool = False  # the first loud frame
    settled: bool = False  # quiet for SETTLE_SECONDS (once per pause)
    resumed: bool = False  # loud again after having settled
    ended: bool = False  # quiet for END_SILENCE_SECONDS: the answer is over


def frames_for(seconds: float) -> int:
    """Whole 20 ms frames in *seconds* (at least one)."""
    return max(1, round(seconds * 1000 / FRAME_MS))


class Endpointer:
    """Voice activity of one answer, frame by frame."""

    def __init__(self, end_silence_seconds: float = END_SILENCE_SECONDS, settle_seconds: float = SETTLE_SECONDS,
                 speech_level: float = SPEECH_LEVEL, preroll_frames: int = PREROLL_FRAMES) -> None:
        self.speech_level = speech_level
        self.end_frames = frames_for(end_silence_seconds)
        self.settle_frames = min(frames_for(settle_seconds), self.end_frames)
        self._preroll: deque[bytes] = deque(maxlen=preroll_frames)
        self.speaking = False
        self.quiet_frames = 0

    def reset(self) -> None:
        """Wait for speech again (a noise burst that was no answer)."""
        self._preroll.clear()
        self.speaking = False
        self.quiet_frames = 0

    def push(self, samples: Samples) -> Verdict:
        """Judge one frame of 16-bit samples."""
        pcm = samples.tobytes()
        loud = level(samples) >= self.speech_level
        if not self.speaking:
            self._preroll.append(pcm)
            if not loud:
                return Verdict(b"")
            self.speaking = True
            self.quiet_frames = 0
            audio = b"".join(self._preroll)
            self._preroll.clear()
            return Verdict(audio, started=True)
        if loud:
            resumed = self.quiet_frames >= self.settle_frames
            self.quiet_frames = 0
            return Verdict(pcm, resumed=resumed)
        self.quiet_frames += 1
        return Verdict(pcm, settled=self.quiet_frames == self.settle_frames, ended=self.quiet_frames >= self.end_frames)
