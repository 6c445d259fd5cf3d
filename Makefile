# Thin wrappers; the logic lives in lib/emoface. `make run` and `make test` are the README's two commands.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.emoface-installed

.PHONY: setup run test bench lab docs serve clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[all]'
	touch $(STAMP)

run: setup
	$(BIN)/emoface demo

test: setup
	$(BIN)/python -m pytest

bench: setup
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

lab: setup
	$(BIN)/jupyter lab notebooks

docs: setup
	$(BIN)/python scripts/make_docs_figures.py

serve: setup
	$(BIN)/emoface serve

clean:
	rm -rf build runs .pytest_cache
