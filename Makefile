# Sổ tay — two commands on a fresh machine:
#   make run   set everything up and serve the sample library on http://127.0.0.1:8000/
#   make test  set everything up and run the test suite
#   make lint  ruff (lint and import order) and mypy on ingest/, index/ and members/
#   make fast  the tests that need neither the model nor a browser (under a minute)
VENV   ?= .venv
PY     := $(VENV)/bin/python
SOTAY  := $(VENV)/bin/sotay
INDEX  ?= data/index
HOST   ?= 127.0.0.1
PORT   ?= 8000
APT_PACKAGES := espeak-ng chromium chromium-driver postgresql libreoffice-writer-nogui antiword unrtf catdoc \
                tesseract-ocr tesseract-ocr-vie ghostscript fonts-liberation2

export HAYSTACK_TELEMETRY_ENABLED := False
export HF_HUB_OFFLINE := 1
# Two cores here: one pinned pool beats oversubscribed defaults by 5-25x on queries.
export OMP_NUM_THREADS ?= 2
export SOTAY_THREADS ?= 2

.PHONY: run test fast lint setup system-deps model index bench clean

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[test]'
	touch $@

setup: system-deps $(VENV)/.installed

# Debian packages: espeak-ng speaks offline; Chromium (and its driver) runs the browser tests;
# postgresql gives the server binaries the members' tests start a throwaway cluster from;
# LibreOffice (Writer, headless), antiword and unrtf read .doc, .rtf and .odt (ingest/office.py;
# catdoc only for bench/bench_office.py's comparison); Tesseract with its Vietnamese model and
# Ghostscript read scans and photos (OCRmyPDF drives them: ingest/ocr.py); fonts-liberation2
# typesets the synthetic scans of the OCR tests and benchmark (tests/scans.py).
system-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else echo "Missing Debian packages:$$missing — run: sudo apt-get install$$missing"; exit 1; fi; \
	fi

model: setup
	$(SOTAY) prepare

# The demo organisations, accounts (known passwords, listed in the README: demo only) and a few
# internal documents; idempotent, so every `make run` has them.
index: model
	@if [ -f $(INDEX)/CURRENT ]; then echo "Using the existing index in $(INDEX)"; \
	else $(SOTAY) ingest corpus/library --index $(INDEX); fi
	$(SOTAY) demo --index $(INDEX) --documents corpus/demo

run: index
	$(SOTAY) serve --index $(INDEX) --host $(HOST) --port $(PORT)

test: model
	$(PY) -m pytest -q

# Two workers (pytest-xdist), one a core: the fast tests share no state but their temporary folders.
fast: setup
	$(PY) -m pytest -q -n 2 -m "not slow and not browser"

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

bench: model
	$(PY) bench/bench_ingest.py
	$(PY) bench/bench_search.py

clean:
	rm -rf $(VENV) data .pytest_cache
