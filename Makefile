# Two commands do everything: `make run` and `make test`. See README.md.
SHELL := /bin/bash
# uv from PATH, else the uv module of the system Python (installed on first use).
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
PY := .venv/bin/python
RACT := .venv/bin/ract

.PHONY: run test lint install bench check-content clean

install:
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	@$(UV) sync --frozen --quiet

run: install
	@mkdir -p var
	$(RACT) migrate
	$(RACT) demo-data
	@echo "Serving on http://127.0.0.1:8000 (Ctrl+C stops)"
	$(RACT) serve --host 127.0.0.1 --port 8000

test: install
	@bash scripts/test.sh

# ruff (lint and format) and mypy, configured in pyproject.toml; zero findings expected.
lint: install
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy

check-content: install
	$(RACT) content check

bench: install
	@bash scripts/bench.sh

clean:
	rm -rf .venv .pytest_cache var/*.sqlite3*
