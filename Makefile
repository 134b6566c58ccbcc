# The two commands of the README: `make demo` and `make test`. Both set up .venv first.
PY ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	# torch first, pinned to the CPU build on this machine's disk (a loose pin pulls CUDA)
	$(VENV)/bin/pip install --quiet torch==2.13.0
	$(VENV)/bin/pip install --quiet -e ".[test]"
	touch $(STAMP)

# Debian's Chromium for the widget's browser tests (Playwright drives it; its own browser download is not used)
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

$(CHROMIUM):
	$(SUDO) apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null

# Debian's Dovecot for the shared inbox's IMAP tests (tests/support/imap.py starts it in a temporary directory)
DOVECOT := /usr/sbin/dovecot

$(DOVECOT):
	$(SUDO) apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd >/dev/null

.PHONY: install demo test lint bench
install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/nexa demo

test: $(STAMP) $(CHROMIUM) $(DOVECOT)
	$(VENV)/bin/pytest

# ruff's linter and formatter (pyproject.toml [tool.ruff]), the import contracts (.importlinter) and mypy (pyproject.toml [tool.mypy])
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

bench: $(STAMP)
	$(VENV)/bin/python bench/seed_and_query.py
	$(VENV)/bin/python bench/agent_overhead.py
	$(VENV)/bin/python bench/kb_search.py
	$(VENV)/bin/python bench/intelligence.py
	$(VENV)/bin/python bench/api_load.py
	$(VENV)/bin/python -m bench.injection_suite
	$(VENV)/bin/python bench/slack_ack.py
