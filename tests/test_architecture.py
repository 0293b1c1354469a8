"""The layers stay apart: domain packages never import the web layer, and training never imports monitor."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
WEB = {"fastapi", "starlette", "jinja2", "api"}


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_domain_packages_do_not_import_the_web_layer():
    bad = {
        str(p.relative_to(SRC)): sorted(imported_roots(p) & WEB)
        for pkg in ("training", "monitor")
        for p in (SRC / pkg).rglob("*.py")
        if imported_roots(p) & WEB
    }
    assert bad == {}


def test_training_does_not_import_monitor():
    bad = [str(p.relative_to(SRC)) for p in (SRC / "training").rglob("*.py") if "monitor" in imported_roots(p)]
    assert bad == []


def test_every_module_opens_with_a_docstring():
    missing = [
        str(p.relative_to(SRC))
        for p in SRC.rglob("*.py")
        if p.stat().st_size and ast.get_docstring(ast.parse(p.read_text(encoding="utf-8"))) is None
    ]
    assert missing == []
