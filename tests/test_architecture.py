"""The arrows of docs/architecture.md's package diagram hold in the code (every import, also inside functions)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# (package whose modules are scanned, packages it must not import)
FORBIDDEN = [
    ("shared", ("kiosk", "ivr", "tests", "bench")),
    ("hardware", ("shared", "kiosk", "ivr", "tests", "bench")),
    ("kiosk", ("ivr", "tests", "bench")),
    ("ivr", ("kiosk", "tests", "bench")),
    ("ivr/flow", ("ivr.transports",)),
    ("ivr/speech", ("ivr.flow", "ivr.transports")),
]


def imported_modules(path: Path) -> set[str]:
    """Every module *path* imports (absolute imports; the project uses no relative ones)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize(("package", "forbidden"), FORBIDDEN, ids=[package for package, _ in FORBIDDEN])
def test_package_imports_follow_the_diagram(package: str, forbidden: tuple[str, ...]) -> None:
    found = sorted(
        f"{path.relative_to(ROOT)} imports {module}"
        for path in (ROOT / package).rglob("*.py") if "migrations" not in path.parts
        for module in imported_modules(path)
        if any(module == name or module.startswith(f"{name}.") for name in forbidden))
    assert found == []


def test_the_scan_sees_imports_inside_functions(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from ivr.transports import twiml\n    import kiosk.views\n")
    assert imported_modules(module) == {"ivr.transports", "kiosk.views"}
