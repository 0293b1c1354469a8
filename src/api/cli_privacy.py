"""The privacy commands of `ract`: the processing register and the retention run (docs/privacy.md)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

privacy_app = typer.Typer(help="Privacy: the processing register.", no_args_is_help=True)
retention_app = typer.Typer(help="Retention: remove personal data whose period has passed.", no_args_is_help=True)

DOCS = Path(__file__).resolve().parents[2] / "docs"


@privacy_app.command("register")
def privacy_register(
    out: Annotated[Path, typer.Option(help="Directory for verwerkingsregister.md and .csv")] = DOCS,
) -> None:
    """Write the verwerkingsregister (Markdown and CSV) from the declarations in src/privacy/registry.py."""
    from privacy.registry import register_csv, register_markdown

    out.mkdir(parents=True, exist_ok=True)
    (out / "verwerkingsregister.md").write_text(register_markdown(), encoding="utf-8")
    (out / "verwerkingsregister.csv").write_text(register_csv(), encoding="utf-8")
    typer.echo(f"Wrote {out / 'verwerkingsregister.md'} and {out / 'verwerkingsregister.csv'}.")


def _parse_day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter("use YYYY-MM-DD") from None
