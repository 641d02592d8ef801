"""workflows/ stays pure: no module in it imports Flask, SQLAlchemy, pandas I/O or the app."""

import ast
from pathlib import Path

import pytest

WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"
FORBIDDEN = {"flask", "flask_sqlalchemy", "sqlalchemy", "app", "werkzeug", "pandas"}


@pytest.mark.parametrize("module", sorted(WORKFLOWS.glob("*.py")), ids=lambda p: p.name)
def test_module_imports_nothing_forbidden(module):
    tree = ast.parse(module.read_text(), filename=str(module))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            imported.add(node.module.split(".")[0])
    assert not imported & FORBIDDEN, f"{module.name} imports {sorted(imported & FORBIDDEN)}"
