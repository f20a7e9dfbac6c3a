"""The fixed words on a receipt, German first, in the languages the kiosk offers."""

from __future__ import annotations

import re
from datetime import date

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_interval, format_skeleton

LABELS: dict[str, dict[str, str]] = {
    "de": {
        "more": "Und {count} weitere Termine: am Kiosk, im Internet (QR-Code) oder beim Seniorenbüro.",
        "time": "{start} - {end} Uhr", "time_from": "ab {start} Uhr",
        "all_day": "ganztägig", "barrier_free": "barrierefrei",
        "no_events": "Keine Veranstaltungen in dieser Zeit.", "cost": "Kosten: {cost}",
        "questions": "Fragen? Rufen Sie an:", "scan": "Mehr dazu im Internet:",
        "request_title": "Ihre Anfrage", "reference": "Ihre Nummer:", "due": "Wir melden uns bis {date}.",
        "callback": "Rückruf", "home_visit": "Hausbesuch", "keep": "Bitte heben Sie diesen Zettel auf.",
    },
    "en": {
        "more": "And {count} more events: at the kiosk, online (QR code) or from the Seniorenbüro.",
        "time": "{start} - {end}", "time_from": "from {start}",
        "all_day": "all day", "barrier_free": "step-free access",
        "no_events": "No events in this period.", "cost": "Cost: {cost}",
        "questions": "Questions? Call:", "scan": "More online:",
        "request_title": "Your request", "reference": "Your number:", "due": "We will contact you by {date}.",
        "callback": "Call back", "home_visit": "Home visit", "keep": "Please keep this slip.",
    },
    "tr": {
        "more": "Ve {count} etkinlik daha: kioskta, internette (QR kod) veya Seniorenbüro'da.",
        "time": "{start} - {end}", "time_from": "{start}'den itibaren",
        "all_day": "tüm gün", "barrier_free": "engelsiz erişim",
        "no_events": "Bu dönemde etkinlik yok.", "cost": "Ücret: {cost}",
        "questions": "Sorularınız mı var? Arayın:", "scan": "İnternette daha fazlası:",
        "request_title": "Talebiniz", "reference": "Numaranız:", "due": "En geç {date} tarihinde size ulaşacağız.",
        "callback": "Geri arama", "home_visit": "Ev ziyareti", "keep": "Lütfen bu fişi saklayın.",
    },
    "ru": {
        "more": "И ещё {count} мероприятий: в киоске, в интернете (QR-код) или в Seniorenbüro.",
        "time": "{start} - {end}", "time_from": "с {start}",
        "all_day": "весь день", "barrier_free": "без барьеров",
        "no_events": "В это время мероприятий нет.", "cost": "Стоимость: {cost}",
        "questions": "Вопросы? Позвоните:", "scan": "Подробнее в интернете:",
        "request_title": "Ваша заявка", "reference": "Ваш номер:", "due": "Мы свяжемся с вами до {date}.",
        "callback": "Обратный звонок", "home_visit": "Визит на дом", "keep": "Пожалуйста, сохраните этот чек.",
    },
    "pl": {
        "more": "I jeszcze {count} wydarzeń: w kiosku, w internecie (kod QR) lub w Seniorenbüro.",
        "time": "{start} - {end}", "time_from": "od {start}",
        "all_day": "cały dzień", "barrier_free": "bez barier",
        "no_events": "Brak wydarzeń w tym czasie.", "cost": "Koszt: {cost}",
        "questions": "Pytania? Prosimy dzwonić:", "scan": "Więcej w internecie:",
        "request_title": "Twoje zgłoszenie", "reference": "Twój numer:", "due": "Odezwiemy się do {date}.",
        "callback": "Oddzwonienie", "home_visit": "Wizyta domowa", "keep": "Prosimy zachować ten paragon.",
    },
    "ar": {
        "more": "و{count} فعاليات أخرى: في الكشك أو على الإنترنت (رمز QR) أو في Seniorenbüro.",
        "time": "{start} - {end}", "time_from": "من {start}",
        "all_day": "طوال اليوم", "barrier_free": "خال من العوائق",
        "no_events": "لا توجد فعاليات في هذه الفترة.", "cost": "التكلفة: {cost}",
        "questions": "أسئلة؟ اتصل بنا:", "scan": "المزيد على الإنترنت:",
        "request_title": "طلبك", "reference": "رقمك:", "due": "سنتواصل معك حتى {date}.",
        "callback": "معاودة الاتصال", "home_visit": "زيارة منزلية", "keep": "يرجى الاحتفاظ بهذه الورقة.",
    },
}

def label(language: str, key: str, **values: str) -> str:
    """The receipt word *key* in *language* (German when the language is unknown)."""
    words = LABELS.get(language, LABELS["de"])
    return words[key].format(**values)


def _locale(language: str) -> Locale:
    try:
        return Locale.parse(language)
    except (ValueError, UnknownLocaleError):
        return Locale.parse("de")


def long_date(day: date, language: str) -> str:
    """Full weekday, day and month in the language's own order: "Dienstag, 1. Dezember", "1 Aralık Salı"."""
    locale = _locale(language)
    pattern = re.sub("E+", "EEEE", locale.datetime_skeletons["MMMMEd"].pattern)
    return _plain(format_date(day, pattern, locale=locale))


def short_date(day: date, language: str) -> str:
    """Short weekday, day and month in the language's own order: "Di., 1. Dez.", "1 Ara Sal"."""
    return _plain(format_skeleton("MMMEd", day, locale=_locale(language)))


def date_range(first: date, last: date, language: str) -> str:
    """Two days as one span in the language's own form: "1.–6. Dezember", "1 – 6 Aralık"."""
    if first == last:
        return long_date(first, language)
    return _plain(format_interval(first, last, "MMMMd", locale=_locale(language)))


def _plain(text: str) -> str:
    """CLDR's thin and narrow spaces as plain ones: every receipt code page has those."""
    return text.replace("\u2009", " ").replace("\u202f", " ")


def day_heading(language: str, day: date) -> str:
    """The heading of one day on a slip, e.g. "Dienstag, 1. Dezember"."""
    return long_date(day, language)
