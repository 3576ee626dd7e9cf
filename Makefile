# The factory's commands. `make demo` and `make test` work from a fresh clone.
VENV        ?= .venv
PY          := $(VENV)/bin/python
DAGSTER_HOME ?= $(CURDIR)/.dagster_home
export DAGSTER_HOME

.PHONY: setup setup-dev demo ui test crash-trials lerobot-check spark35-check bench clean

$(VENV)/.installed: pyproject.toml scripts/setup.sh
	bash scripts/setup.sh $(VENV)
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	bash scripts/setup.sh $(VENV) dev
	touch $@

setup: $(VENV)/.installed
setup-dev: $(VENV)/.installed-dev

## Set up, then materialize all five tables on the local default and print a summary.
demo: setup
	@mkdir -p $(DAGSTER_HOME)
	$(PY) -m dagster_project.cli demo

## The Dagster UI on http://127.0.0.1:3000 (FACTORY_UI_PORT to change the port).
ui: setup
	@mkdir -p $(DAGSTER_HOME)
	$(VENV)/bin/dagster dev -h 127.0.0.1 -p $${FACTORY_UI_PORT:-3000} -w workspace.yaml

## Set up, then run the whole test suite.
test: setup-dev
	$(PY) -m pytest -q -p no:cacheprovider

## 24 SIGKILL-and-rerun trials over every table and between two commits (about an hour on 2 cores; `make test` runs 3).
crash-trials: setup-dev
	FACTORY_CRASH_TRIALS=24 $(PY) -m pytest -q -p no:cacheprovider tests/reliability/test_crash_trials.py

## Load the factory's LeRobot v3 exports with lerobot's own LeRobotDataset (an isolated venv of about
## 8 GB, made once under ~/.cache/physai; too big for CI, so `make test` checks layout and schema).
lerobot-check: setup
	$(PY) scripts/lerobot_check.py

## The Spark jobs on pyspark 3.5 (EMR 7.x's Spark), local[2] and a standalone cluster, compared with
## in process (an isolated venv of about 320 MB beside the project's, made once under ~/.cache/physai).
spark35-check: setup-dev
	bash scripts/spark35_check.sh $(VENV)

## Benchmarks; each prints one JSON object on its last line.
bench: setup
	@command -v ffmpeg >/dev/null || bash scripts/install_ffmpeg.sh
	$(PY) bench/curate_vs_transcode.py
	$(PY) bench/refresh_cost.py
	$(PY) bench/memory_peak.py
	$(PY) bench/scale.py
	$(PY) bench/cosmos_transfer_chunk.py
	$(PY) bench/spark_vs_inprocess.py
	$(PY) bench/calibration_split.py
	$(PY) bench/downstream_lift.py

clean:
	rm -rf lake $(DAGSTER_HOME)
