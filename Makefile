# Two commands on a fresh machine with python3: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Stages are cached in $ALIGNLAB_CACHE (default ~/.cache/alignlab), shared by `make run`, the CLI and the notebooks.
# The tests keep their own cache in .cache/test, apart from yours.
TEST_CACHE := $(CURDIR)/.cache/test
export HF_HUB_OFFLINE ?= 1
export TRANSFORMERS_VERBOSITY ?= error
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: install run test test-fast bench lab wheel clean

$(STAMP): requirements-lock.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q "setuptools>=68" wheel
	$(BIN)/python -m pip install -q -r requirements-lock.txt
	$(BIN)/python -m pip install -q --no-deps --no-build-isolation -e .
	touch $(STAMP)

install: $(STAMP)

run: install  ## build every stage, evaluate it and print the report card
	$(BIN)/alignlab run

# Two pytest workers of one torch thread each: a model this small uses a second thread poorly (`sft` trained in 1.4x
# the time on one thread as on two), so two one-thread workers finish the suite sooner; two workers of two threads
# each would fight over the cores. The workers share the stage cache, whose file locks let one build what the other
# waits for. RESULTS.md (issue 31) has the timings.
test: install  ## the whole suite: unit tests, real stage builds, every notebook
	ALIGNLAB_CACHE=$(TEST_CACHE) OMP_NUM_THREADS=1 $(BIN)/python -m pytest -q -n 2 --durations=15

test-fast: install  ## unit tests only (seconds)
	ALIGNLAB_CACHE=$(TEST_CACHE) $(BIN)/python -m pytest -q -m "not slow"

bench: install  ## build every stage from an empty cache; time, where it goes, throughput and peak memory to bench.json
	$(BIN)/python -m alignlab.bench --out bench.json

wheel: install  ## the course package as a wheel in dist/: upload it next to a notebook on Colab
	$(BIN)/python -m pip wheel -q --no-deps --no-build-isolation -w dist .

lab: install  ## open the course in JupyterLab
	$(BIN)/jupyter lab course/

clean:
	rm -rf $(VENV) .cache bench.json dist
