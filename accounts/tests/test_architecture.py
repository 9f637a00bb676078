"""The layers of accounts: docs/architecture.md shows the contract that pyproject.toml gives import-linter."""

import re
import tomllib
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db  # the shared autouse fixture clears the cache table

ROOT = Path(__file__).resolve().parents[2]
MARKER = "<!-- layers: kept equal to pyproject.toml by accounts/tests/test_architecture.py -->"


def contract():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    [layers] = [c for c in config["contracts"] if c["type"] == "layers" and c["containers"] == ["accounts"]]
    return layers


def test_the_documented_layers_are_the_contract():
    text = (ROOT / "docs" / "architecture.md").read_text()
    block = re.search(re.escape(MARKER) + r"\n```\n(.*?)\n```", text, re.S)
    assert block, "docs/architecture.md lost its layers block"
    assert block.group(1).splitlines() == contract()["layers"]


def test_every_module_of_accounts_has_its_layer():
    """The contract is exhaustive (import-linter fails on an unplaced module); the doc names each one too."""
    layers = contract()
    assert layers["exhaustive"] is True
    placed = {name.strip("() ") for layer in layers["layers"] for name in re.split(r"[|:]", layer)}
    present = {
        path.stem if path.is_file() else path.name
        for path in (ROOT / "accounts").iterdir()
        if (path.suffix == ".py" and path.stem != "__init__") or (path / "__init__.py").exists()
    } - set(layers["exhaustive_ignores"])
    assert present <= placed
    tree = (ROOT / "docs" / "architecture.md").read_text()
    assert [name for name in sorted(present) if not re.search(rf"\b{name}(\.py|/)", tree)] == []


def test_every_module_of_passkeys_has_its_layer():
    """passkeys/ is left out of the exhaustive rule because its modules are placed one by one: each must be."""
    placed = {name.strip("() ") for layer in contract()["layers"] for name in re.split(r"[|:]", layer)}
    present = {f"passkeys.{path.stem}" for path in (ROOT / "accounts" / "passkeys").glob("*.py")} - {
        "passkeys.__init__"
    }
    assert sorted(present - placed) == []
