# sitrep-ie: every step is a target with declared inputs and outputs, so make skips what is up to date.
#   make demo   set up, train the default model if there is none, extract events from sample reports
#   make test   set up and run the test suite (what CI runs)
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip install --disable-pip-version-check -c constraints.txt
STAMP := $(VENV)/.installed
LS_VENV := .venv-ls
LS_STAMP := $(LS_VENV)/.installed
MODEL := models/default
CORPUS := annotations/train.json annotations/dev.json annotations/test.json annotations/gold_events.jsonl
SOURCES := $(wildcard annotations/source/*.txt)
SAMPLES := $(wildcard reports/samples/*.txt)

.PHONY: install install-labelstudio corpus corpus-stats train retrain eval demo test test-slow label pull errors bench bench-batch clean

install: $(STAMP)
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) -q --upgrade pip
	$(PIP) -q torch==2.13.0
	$(PIP) -q -e ".[train,dev,bench,ray]"
	touch $@

# Label Studio lives in its own venv: it pins packages (pyarrow, dateutil) the training stack does not need pinned.
install-labelstudio: $(LS_STAMP)
$(LS_STAMP): constraints.txt
	test -x $(LS_VENV)/bin/python || $(PYTHON) -m venv $(LS_VENV)
	$(LS_VENV)/bin/python -m pip install --disable-pip-version-check -q -c constraints.txt "label-studio>=1.20,<2"
	touch $@

# Corpus: hand-written sources (annotations/AUTHORING.md) -> Label Studio exports + gold events.
corpus: $(CORPUS)
$(CORPUS) &: $(SOURCES) tools/build_corpus.py configs/labels.yaml configs/ontology.yaml | $(STAMP)
	$(BIN)/python tools/build_corpus.py

corpus-stats: $(CORPUS)
	$(BIN)/python tools/corpus_stats.py

# Model: fine-tuned from configs/train.yaml; published atomically as models/default.
train: $(MODEL)/sitrep_ie.json
$(MODEL)/sitrep_ie.json: annotations/train.json annotations/pulled.json annotations/dev.json configs/train.yaml configs/labels.yaml | $(STAMP)
	$(BIN)/sitrep-ie train --config configs/train.yaml

retrain: | $(STAMP) $(CORPUS)
	$(BIN)/sitrep-ie train --config configs/train.yaml

eval: $(MODEL)/eval-test.json
$(MODEL)/eval-test.json: $(MODEL)/sitrep_ie.json annotations/test.json annotations/gold_events.jsonl configs/ontology.yaml configs/normalisation.yaml $(wildcard src/sitrep_ie/*.py)
	$(BIN)/sitrep-ie eval --config configs/train.yaml --split test --configs configs

errors: reports/errors.md
reports/errors.md: $(MODEL)/sitrep_ie.json annotations/test.json annotations/gold_events.jsonl configs/ontology.yaml configs/normalisation.yaml $(wildcard src/sitrep_ie/*.py)
	$(BIN)/sitrep-ie errors --configs configs --out $@

demo: $(MODEL)/sitrep_ie.json
	@for f in $(SAMPLES); do echo "== $$f"; $(BIN)/sitrep-ie extract "$$f" --configs configs \
	  | $(BIN)/python -c 'import json,sys; [print(json.dumps({k: e[k] for k in ("type","date","actors","places","quantities","confidence")}, ensure_ascii=False)) for e in map(json.loads, sys.stdin)]'; done

test: $(STAMP) $(LS_STAMP) $(CORPUS)
	$(BIN)/python -m pytest -q

test-slow: $(STAMP) $(CORPUS)
	$(BIN)/python -m pytest -q -m slow

label: $(STAMP) $(LS_STAMP) $(CORPUS)
	$(BIN)/sitrep-ie label

pull: $(STAMP)
	$(BIN)/sitrep-ie pull

bench: $(MODEL)/sitrep_ie.json
	$(BIN)/python benchmarks/bench_extract.py

bench-batch: $(MODEL)/sitrep_ie.json
	$(BIN)/python benchmarks/bench_batch.py

clean:
	rm -rf training/runs build *.egg-info src/*.egg-info .pytest_cache
