"""Settings: defaults, validation with the setting's name, TOML file, documentation."""

from __future__ import annotations

import dataclasses
import typing
from pathlib import Path

import pytest

from shared.config import PROJECT_ROOT, SETTINGS, Config, ConfigError, load_config


def test_defaults_give_sqlite_in_data_dir(tmp_path: Path) -> None:
    config = load_config(environ={"TREFFPUNKT_DATA_DIR": str(tmp_path)})
    assert config.database_url == f"sqlite:///{tmp_path / 'treffpunkt.sqlite3'}"
    assert config.printer == "dummy:"
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    again = load_config(environ={"TREFFPUNKT_DATA_DIR": str(tmp_path)})
    assert again.secret_key == config.secret_key


@pytest.mark.parametrize(("name", "value"), [
    ("PRINTER", "lpt1"), ("DATABASE_URL", "mysql://x"), ("IVR_MODE", "cloud"),
    ("IVR_SPEECH_RATE", "500"), ("RETENTION_DAYS_VOICE", "-3"), ("SECURE_COOKIES", "maybe"),
    ("SURFACES", "kiosk,fax"), ("SECRET_KEY", "short"),
])
def test_invalid_value_names_the_setting(tmp_path: Path, name: str, value: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_config(environ={"TREFFPUNKT_DATA_DIR": str(tmp_path), f"TREFFPUNKT_{name}": value})
    assert str(raised.value).startswith(f"TREFFPUNKT_{name}:")


def test_toml_file_and_environment_precedence(tmp_path: Path) -> None:
    toml = tmp_path / "treffpunkt.toml"
    toml.write_text('printer = "tcp://127.0.0.1:9100"\nkiosk_venue = "bz-eving"\nsecure_cookies = true\n')
    config = load_config(environ={
        "TREFFPUNKT_DATA_DIR": str(tmp_path), "TREFFPUNKT_CONFIG": str(toml),
        "TREFFPUNKT_KIOSK_VENUE": "bz-hoerde",
    })
    assert config.printer == "tcp://127.0.0.1:9100"
    assert config.kiosk_venue == "bz-hoerde"
    assert config.secure_cookies is True


def test_unknown_key_in_toml_is_rejected(tmp_path: Path) -> None:
    toml = tmp_path / "bad.toml"
    toml.write_text('printr = "dummy:"\n')
    with pytest.raises(ConfigError, match="PRINTR"):
        load_config(environ={"TREFFPUNKT_DATA_DIR": str(tmp_path), "TREFFPUNKT_CONFIG": str(toml)})


def test_every_setting_is_documented() -> None:
    documentation = (PROJECT_ROOT / "docs" / "configuration.md").read_text()
    missing = [s.name for s in SETTINGS if f"`TREFFPUNKT_{s.name}`" not in documentation]
    assert missing == []


def test_data_dir_is_var_in_a_checkout_and_xdg_when_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from shared import config as config_module

    assert config_module.default_data_dir({}) == PROJECT_ROOT / "var"
    monkeypatch.setattr(config_module, "PROJECT_ROOT", tmp_path / "site-packages")
    assert config_module.default_data_dir({"XDG_DATA_HOME": str(tmp_path / "xdg")}) == tmp_path / "xdg" / "treffpunkt"
    assert config_module.default_data_dir({"HOME": str(tmp_path)}) == tmp_path / ".local" / "share" / "treffpunkt"


def test_every_setting_is_a_typed_field_of_its_parsed_type(tmp_path: Path) -> None:
    fields = {field.name for field in dataclasses.fields(Config)}
    assert fields == {setting.name.lower() for setting in SETTINGS}
    config = load_config(environ={"TREFFPUNKT_DATA_DIR": str(tmp_path), "TREFFPUNKT_TRUSTED_PROXIES": "127.0.0.1"})
    hints = typing.get_type_hints(Config)
    for name in fields:
        expected = typing.get_origin(hints[name]) or hints[name]
        if expected is typing.Literal:
            assert getattr(config, name) in typing.get_args(hints[name]), name
        else:
            assert isinstance(getattr(config, name), expected), name
    assert config.trusted_proxies == ("127.0.0.1",)
    assert config.data_dir == tmp_path.resolve()
    assert config.replace(printer_name="bz-eving").printer_name == "bz-eving"
    with pytest.raises(TypeError):
        config.replace(PRINTER_NAME="bz-eving")


def test_cookies_are_secure_unless_the_local_demo_turns_it_off(tmp_path: Path) -> None:
    assert load_config(environ={"TREFFPUNKT_DATA_DIR": str(tmp_path)}).secure_cookies is True
    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    assert "TREFFPUNKT_SECURE_COOKIES=$${TREFFPUNKT_SECURE_COOKIES:-false} $(BIN)/treffpunkt serve" in makefile
