"""The content directory is parsed once per distinct content: same bytes, same parsed modules; changed or invalid
content is parsed (and refused) again."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from api.content import load_content
from training.errors import ContentInvalid

CONTENT = Path(__file__).resolve().parents[1] / "content"


@pytest.fixture
def content(tmp_path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT, target)
    return target


def test_the_same_content_is_parsed_once_and_changed_content_again(content):
    modules, instruments = load_content(content)
    again, _ = load_content(content)
    assert again[0] is modules[0] and again is not modules  # same parsed objects, a list of one's own
    first = sorted(content.glob("modules/*.md"))[0]
    first.write_text(first.read_text(encoding="utf-8").replace("title:", "title: Herzien —", 1), encoding="utf-8")
    changed, _ = load_content(content)
    assert changed[0] is not modules[0] and changed[0].title.startswith("Herzien —")
    assert instruments and instruments[0].id == "netwerkactivering"


def test_invalid_content_is_refused_every_time(content):
    load_content(content)
    first = sorted(content.glob("modules/*.md"))[0]
    first.write_text(first.read_text(encoding="utf-8").replace("title:", "titel:", 1), encoding="utf-8")
    for _ in range(2):
        with pytest.raises(ContentInvalid) as refused:
            load_content(content)
        assert any(first.name in str(p.path) for p in refused.value.problems)
