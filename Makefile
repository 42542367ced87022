# Two commands on a fresh machine: `make demo` (the main job) and `make test` (all checks).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
export PATH := $(BIN):$(PATH)
TORCH := torch==2.14.1 torchvision==0.29.1

.PHONY: demo test docs apt-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# the package itself (what users get from `pip install colorize_nb`), torch pinned as DEVELOPERS.md says
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install $(TORCH)
	$(BIN)/pip install -e .
	touch $@

# plus the dev extra: nbdev, scikit-image (reference answers), the notebook kernel, playwright (docs check)
$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install -e '.[dev]'
	touch $@

demo: $(VENV)/.installed
	$(BIN)/colorize-nb-demo --out demo_out

# pandoc renders the docs and chromium checks them; installed only when missing
apt-deps:
	@missing=""; command -v pandoc >/dev/null || missing="$$missing pandoc"; \
	 command -v chromium >/dev/null || missing="$$missing chromium"; \
	 if [ -n "$$missing" ]; then echo "installing$$missing"; \
	   (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing) >/dev/null; fi

docs: $(VENV)/.installed-dev apt-deps
	$(BIN)/python tools/build_docs.py

test: $(VENV)/.installed-dev apt-deps
	$(BIN)/python tools/run_tests.py
