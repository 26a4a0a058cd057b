"""The architecture's one-way arrows, read from the code's own imports: no module imports a layer above its own."""

from __future__ import annotations

import ast
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
# each layer with the project packages it must never import (higher layers); `data/` and `store/` are the ground
NEVER = {
    "store": ("connectors", "models", "queries", "components", "pages", "rapport", "data", "app"),
    "data": ("store", "connectors", "models", "queries", "components", "pages", "rapport", "app"),
    "connectors": ("models", "queries", "components", "pages", "rapport", "app"),
    "models": ("queries", "components", "pages", "rapport", "app"),
    "queries": ("components", "pages", "app"),
}
# an arrow up that stays, with the reason in the importing module's docstring
KEPT = {("connectors/loader.py", "models.suppression"), ("connectors/demo_corrections.py", "models.classify"),
        ("connectors/demo_corrections.py", "models.classifier.retrain")}


def imported(path: Path) -> set[str]:
    """Every module a file imports, at its top or inside a function."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def arrows_up() -> list[str]:
    found = []
    for layer, above in NEVER.items():
        for path in sorted((PROJECT / layer).rglob("*.py")):
            where = path.relative_to(PROJECT).as_posix()
            for name in sorted(imported(path)):
                if name.split(".")[0] in above and (where, name) not in KEPT:
                    found.append(f"{where} imports {name}")
    return found


def test_no_module_imports_a_layer_above_its_own():
    assert arrows_up() == []


def test_the_kept_arrow_up_is_still_there_and_explained():
    loader = PROJECT / "connectors" / "loader.py"
    assert "models.suppression" in imported(loader)
    assert "models.suppression" in ast.get_docstring(ast.parse(loader.read_text(encoding="utf-8")))
