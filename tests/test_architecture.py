"""The layers stay apart: domain packages never import the web layer, training never imports monitor, and the
sub-packages keep their doors (docs/architecture.md)."""

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
        for pkg in ("training", "monitor", "privacy")
        for p in (SRC / pkg).rglob("*.py")
        if imported_roots(p) & WEB
    }
    assert bad == {}


def test_training_does_not_import_monitor():
    bad = [str(p.relative_to(SRC)) for p in (SRC / "training").rglob("*.py") if "monitor" in imported_roots(p)]
    assert bad == []


def test_monitor_uses_only_the_tables_of_privacy():
    """privacy builds on monitor (own data, erasure); monitor reads only privacy's tables (the research choice)."""
    bad = {
        str(p.relative_to(SRC)): sorted(
            n for n in imported_modules(p) if within(n, "privacy") and n != "privacy.models"
        )
        for p in (SRC / "monitor").rglob("*.py")
    }
    assert {path: names for path, names in bad.items() if names} == {}


def test_privacy_models_import_only_training_models():
    roots = imported_modules(SRC / "privacy" / "models.py")
    assert {n for n in roots if within(n, "monitor") or (within(n, "training") and n != "training.models")} == set()


def is_module(name: str) -> bool:
    path = SRC.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or path.is_dir()


def imported_modules(path: Path) -> set[str]:
    """Every absolute module a file imports; ``from a import b`` counts ``a.b`` too when that is one of ours."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{a.name}" for a in node.names if is_module(f"{node.module}.{a.name}")}
    return names


def within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def test_training_content_uses_only_errors_and_sourcefiles_of_training():
    """Content is read and checked without the database or the rest of the programme (docs/architecture.md)."""
    allowed = ("training.content", "training.errors", "training.sourcefiles")
    bad = {
        str(p.relative_to(SRC)): sorted(
            n
            for n in imported_modules(p)
            if within(n, "training") and n != "training" and not any(within(n, a) for a in allowed)
        )
        for p in (SRC / "training" / "content").rglob("*.py")
    }
    assert {path: names for path, names in bad.items() if names} == {}


def test_the_rest_of_the_code_enters_training_content_through_its_door():
    """Outside the sub-package only ``training.content`` itself is imported, never its modules."""
    bad = {
        str(p.relative_to(SRC)): sorted(n for n in imported_modules(p) if n.startswith("training.content."))
        for p in SRC.rglob("*.py")
        if not p.is_relative_to(SRC / "training" / "content")
    }
    assert {path: names for path, names in bad.items() if names} == {}


def test_every_module_opens_with_a_docstring():
    missing = [
        str(p.relative_to(SRC))
        for p in SRC.rglob("*.py")
        if p.stat().st_size and ast.get_docstring(ast.parse(p.read_text(encoding="utf-8"))) is None
    ]
    assert missing == []


# The monitor's sub-packages open one way: questionnaire <- report <- exports, and the homes read the questionnaire.
MONITOR_DOORS = {
    "monitor.questionnaire": {"monitor.report", "monitor.exports", "monitor.home"},
    "monitor.report": {"monitor.exports", "monitor.home"},
    "monitor.exports": {"monitor.home"},
    "monitor.home": {"monitor.report", "monitor.exports"},
}


def _forbidden_imports(package: str, forbidden: set[str]) -> dict[str, list[str]]:
    root = SRC.joinpath(*package.split("."))
    bad = {
        str(p.relative_to(SRC)): sorted(n for n in imported_modules(p) if any(within(n, f) for f in forbidden))
        for p in root.rglob("*.py")
    }
    return {path: names for path, names in bad.items() if names}


def test_monitor_sub_packages_keep_their_doors():
    assert {pkg: _forbidden_imports(pkg, forbidden) for pkg, forbidden in MONITOR_DOORS.items()} == {
        pkg: {} for pkg in MONITOR_DOORS
    }


def test_mail_uses_no_web_layer_and_only_training_tables_and_rules():
    """mail is used by training (queue), the command line (deliver) and the Berichten page (who may read which mail,
    training's access rules); it imports no web layer, monitor or privacy, and of training only tables and rules."""
    assert _forbidden_imports("mail", {"api", "monitor", "privacy", "demo", "fastapi", "starlette"}) == {}
    assert {n for p in (SRC / "mail").rglob("*.py") for n in imported_modules(p) if within(n, "training")} <= {
        "training.models",
        "training.errors",
        "training.access",
    }


def test_demo_data_is_imported_only_by_the_command_line():
    bad = sorted(
        str(p.relative_to(SRC))
        for p in SRC.rglob("*.py")
        if not p.is_relative_to(SRC / "demo")
        and p != SRC / "api" / "cli.py"
        and any(within(n, "demo") for n in imported_modules(p))
    )
    assert bad == []


def test_the_old_flat_monitor_modules_are_gone():
    """The monitor is split into rooms (docs/architecture.md); nothing but its tables and errors lives at the top."""
    top = sorted(p.name for p in (SRC / "monitor").glob("*.py"))
    assert top == ["__init__.py", "errors.py", "models.py"]
