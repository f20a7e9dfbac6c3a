"""Unicode-correct folding for search: any case, any script, with or without diacritics."""

from __future__ import annotations

import unicodedata

# Letters with a stroke have no Unicode decomposition.
_STROKES = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ı": "i", "ŧ": "t", "ƀ": "b"})


def fold(value: str | None) -> str:
    """Case-fold *value* and drop its diacritics: ``Şükran`` → ``sukran``, ``Łódź`` → ``lodz``."""
    if not value:
        return ""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char)).translate(_STROKES)


_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})


def fold_with_transcriptions(value: str | None) -> str:
    """:func:`fold` of *value*, then its words with umlauts written the German way (``münster`` →
    ``muenster``), so ``Münster``, ``Munster`` and ``Muenster`` all find it."""
    folded = fold(value)
    lowered = (value or "").casefold()
    spelled = {word for word in lowered.translate(_UMLAUTS).split() if word not in lowered.split()}
    return " ".join([folded, *sorted(fold(word) for word in spelled)]) if spelled else folded
