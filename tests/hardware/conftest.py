"""Fixtures for a real ESC/POS printer on 127.0.0.1 (emupos); see :mod:`printer_emulator`.

Without emupos the tests that need it fail with a message saying how to install it; they are never
skipped.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.hardware.printer_emulator import Emulator, free_port, start_emulator


@pytest.fixture(scope="session")
def emulator_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    try:
        emulator, process = start_emulator(tmp_path_factory.mktemp("emupos"))
    except RuntimeError as exc:
        pytest.fail(str(exc))
    yield emulator
    process.terminate()
    process.wait(10)


@pytest.fixture
def emulator(emulator_process: Emulator) -> Iterator[Emulator]:
    """The emulated printer with no faults and no receipts."""
    emulator_process.clear_faults()
    emulator_process.clear_receipts()
    yield emulator_process
    emulator_process.clear_faults()


@pytest.fixture
def closed_port_url() -> str:
    """A tcp:// URL where nothing listens (a printer that is switched off)."""
    return f"tcp://127.0.0.1:{free_port()}"
