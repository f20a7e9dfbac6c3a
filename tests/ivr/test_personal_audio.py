"""Personal hotline audio (issue 12): the number read-back is served at an unguessable URL bound to
its call, never cached, never at the shared prompt URL (a hash of the text), and deleted at hang-up."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask

from ivr.hotline import get_hotline
from shared.speech.synthesis import SpeechRequest
from tests.ivr.conftest import TwilioPhone


def _to_readback(phone: TwilioPhone) -> str:
    phone.dial_in()
    phone.press("2")          # home visit or callback
    phone.press("2")          # callback → consent
    phone.press("2")          # consent without recording: the district comes next
    phone.press("4")          # a postcode begins
    readback = phone.press("4263")  # 44263: Hörde → "Ihre Nummer ist …"
    personal = [url for url in readback.plays() if "/ivr/personal/" in url]
    assert len(personal) == 1, readback.plays()
    return urlsplit(personal[0]).path


def test_the_readback_url_is_random_private_and_gone_after_the_call(phone: TwilioPhone, ivr_app: Flask) -> None:
    path = _to_readback(phone)
    _, _, _, call_sid, name = path.split("/")
    assert call_sid == phone.call_sid and len(name.removesuffix(".wav")) == 32
    response = phone.client.get(path)
    assert response.status_code == 200 and response.data[:4] == b"RIFF"
    assert response.headers["Cache-Control"] == "no-store, private"
    stored = get_hotline(ivr_app).data_dir / "personal-audio" / name
    assert stored.is_file() and stored.stat().st_mode & 0o077 == 0
    # Another call's SID, or a guessed token, gets nothing.
    assert phone.client.get(path.replace(call_sid, "CA" + "9" * 32)).status_code == 404
    assert phone.client.get(path.replace(name, "A" * 32 + ".wav")).status_code == 404
    phone.hang_up()
    assert phone.client.get(path).status_code == 404
    assert not stored.exists()


def test_the_shared_prompt_url_is_no_oracle_for_a_number(phone: TwilioPhone, ivr_app: Flask) -> None:
    """Hashing the read-back text of a number must not find a file while that number calls."""
    _to_readback(phone)
    hotline = get_hotline(ivr_app)
    from ivr.flow import nodes, prompts
    from shared.services.phone import display_phone

    question = nodes.QUESTIONS[nodes.Node.NUMBER_CONFIRM]  # the whole question, as the flow says it
    text = nodes.question_text(question, question.options, "de", False,
                               digits=prompts.spoken_digits(display_phone(phone.caller)))
    cached = Path(hotline.synthesizer.path_for(SpeechRequest(text.strip(), "de", hotline.speech_rate)))
    assert not cached.exists()
    assert phone.client.get(f"/ivr/audio/{cached.parent.name}/{cached.stem}.wav").status_code == 404
