"""One spoken answer on a stream: voice activity, recognition with a grammar, and its end.

The final decode (Vosk's ``FinalResult``, 10–25 ms of CPU) starts once the caller has been quiet
for :data:`ivr.speech.endpointing.SETTLE_SECONDS`, not when the answer is over: if the quiet lasts until
:data:`ivr.speech.endpointing.END_SILENCE_SECONDS`, the text is ready the moment the answer ends and the
reply goes out at once. If the caller talks on, the answer's audio so far (kept here) is decoded
afresh, so nothing said is lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ivr.speech.audio import Samples
from ivr.speech.endpointing import Endpointer
from ivr.speech.recognition import RecognitionSession, Recognizer


@dataclass(frozen=True)
class Heard:
    """What one frame gave: the answer once it is over, and whether words are being heard (barge-in)."""

    text: str | None = None
    speaking: bool = False


class Listener:
    """Listens for one answer restricted to *phrases*."""

    def __init__(self, recognizer: Recognizer, phrases: Sequence[str]) -> None:
        self._recognizer = recognizer
        self._phrases = phrases
        self.endpointer = Endpointer()
        self._session: RecognitionSession = recognizer.listen(phrases)
        self._audio: list[bytes] = []  # the answer so far, for decoding afresh
        self._decoded: str | None = None  # the answer decoded while the caller is quiet

    def push(self, samples: Samples) -> Heard:
        """Feed one 20 ms frame of 16-bit samples."""
        verdict = self.endpointer.push(samples)
        if not verdict.pcm:
            return Heard()  # line noise before the answer: not worth recognising
        self._audio.append(verdict.pcm)
        if self._decoded is not None:
            if verdict.ended:
                return self._over(self._decoded)
            if not verdict.resumed:
                return Heard(speaking=self._session.hearing_speech())
            self._decoded = None  # the caller talks on: decode everything said so far afresh
            self._session = self._recognizer.listen(self._phrases)
            text = self._session.accept(b"".join(self._audio))
        else:
            text = self._session.accept(verdict.pcm)
        if text is not None:
            return self._over(text)  # Vosk's own endpointer
        if verdict.settled:
            self._decoded = self._session.finish()
            if verdict.ended:
                return self._over(self._decoded)
        return Heard(speaking=self._session.hearing_speech())

    def finish(self) -> str:
        """What was said so far (the caller talked too long)."""
        return self._decoded if self._decoded is not None else self._session.finish()

    def _over(self, text: str) -> Heard:
        if text:
            return Heard(text, speaking=True)
        self.restart()  # a cough or a noise, no words: listen afresh
        return Heard()

    def restart(self) -> None:
        self.endpointer.reset()
        self._session = self._recognizer.listen(self._phrases)
        self._audio.clear()
        self._decoded = None
