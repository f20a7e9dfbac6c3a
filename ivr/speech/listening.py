"""One spoken answer on a stream: voice activity, recognition with a grammar, and its end.

The final decode (Vosk's ``FinalResult``, 10–25 ms of CPU) starts once the caller has been quiet
for :data:`ivr.speech.endpointing.SETTLE_SECONDS`, not when the answer is over: if the quiet lasts until
:data:`ivr.speech.endpointing.END_SILENCE_SECONDS`, the text is ready the moment the answer ends and the
reply goes out at once. If the caller talks on, the answer's audio so far (kept here) is decoded
afresh, so nothing said is lost.

Adaptive endpointing: when the decode at the settle point is a whole phrase of the grammar (or a
string of them) ending in one that does not begin a longer one ("Innenstadt" of "Innenstadt Nord"),
the answer is complete and the reply goes out then, after
:data:`ivr.speech.endpointing.SETTLE_SECONDS` of quiet. Open answers (no grammar), partial phrases
and out-of-grammar words wait the full end silence.

With a model that has no garbage word, the quiet after the words is not decoded: there even 40 ms
of line noise turns "안녕하세요" into "아니요 아니요". Held-back frames are decoded if the caller
talks on. Every other recogniser hears the quiet up to the settle point too: cut 100 ms after the
last loud frame, Whisper lost soft endings ("Hausbesuch" became "Hauss, Bezuf").
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
        self._held: list[bytes] = []  # quiet frames after the words, fed only if speech resumes
        self._hold_quiet = recognizer.noise_becomes_words
        self._complete, self._unfinished = _phrase_shapes(phrases)

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
            self._held.clear()
            self._session = self._recognizer.listen(self._phrases)
            text = self._session.accept(b"".join(self._audio))
        elif self._hold_quiet and self.endpointer.quiet_frames > 0:
            self._held.append(verdict.pcm)  # quiet after the words: not decoded unless the caller talks on
            text = None
        else:
            text = self._session.accept(b"".join((*self._held, verdict.pcm)))
            self._held.clear()
        if text is not None:
            return self._over(text)  # Vosk's own endpointer
        if verdict.settled:
            self._decoded = self._session.finish()
            if verdict.ended or self._is_complete(self._decoded):
                return self._over(self._decoded)
        return Heard(speaking=self._session.hearing_speech())

    def finish(self) -> str:
        """What was said so far (the caller talked too long)."""
        return self._decoded if self._decoded is not None else self._session.finish()

    def _is_complete(self, text: str) -> bool:
        """Whole grammar phrases, the last of which no longer phrase starts with: nothing more to wait for.

        A grammar decode may string phrases together ("안녕하세요 아니요"); what decides whether the
        caller may go on is the phrase they ended with, as for a single phrase."""
        words = text.lower().split()  # the recognisers' grammars are lower case
        ends = [False] * (len(words) + 1)  # ends[i]: words[:i] splits into whole phrases
        ends[0] = True
        for end in range(1, len(words) + 1):
            ends[end] = any(ends[start] and " ".join(words[start:end]) in self._complete for start in range(end))
        last_phrases = (" ".join(words[start:]) for start in range(len(words)) if ends[start])
        return any(phrase in self._complete and phrase not in self._unfinished for phrase in last_phrases)

    def _over(self, text: str) -> Heard:
        if text:
            return Heard(text, speaking=True)
        self.restart()  # a cough or a noise, no words: listen afresh
        return Heard()

    def restart(self) -> None:
        self.endpointer.reset()
        self._session = self._recognizer.listen(self._phrases)
        self._audio.clear()
        self._held.clear()
        self._decoded = None


def _phrase_shapes(phrases: Sequence[str]) -> tuple[frozenset[str], frozenset[str]]:
    """The grammar's whole phrases, and every proper word-prefix of a longer phrase."""
    complete = {" ".join(phrase.lower().split()) for phrase in phrases if phrase.strip() and phrase != "[unk]"}
    unfinished = {" ".join(words[:cut]) for phrase in complete for words in [phrase.split()]
                  for cut in range(1, len(words))}
    return frozenset(complete), frozenset(unfinished)
