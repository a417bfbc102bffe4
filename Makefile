# The two commands a newcomer needs: `make run` and `make test`.
# Both create .venv/ and install the pinned packages on first use.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# The Spark engine's dbt (install-spark).
SPARK_VENV := .venv-spark

DEFAULT_EXTRACT_DIR := data/extract
JDM_EXTRACT_DIR ?= $(DEFAULT_EXTRACT_DIR)
JDM_DB ?= warehouse/jdm.duckdb
JDM_SERVE_DB ?= warehouse/jdm_serving.duckdb
JDM_OUTPUT_DIR ?= output
# Where `jdm land` puts the extract as Parquet for the raw layer: beside the
# build file, absolute so that its views read it from anywhere.
JDM_LANDING_DIR ?= $(abspath $(basename $(JDM_DB)).landing)
# The engine dbt builds on: duckdb (default) or spark (README: Running on
# Spark). profiles.yml reads the same variable, so plain `dbt` follows it.
JDM_DBT_TARGET ?= duckdb
# A Spark build's metastore, tables and Parquet export.
JDM_SPARK_DIR ?= $(abspath $(dir $(JDM_DB))spark)
# dbt from the Spark venv for any target but duckdb.
DBT := $(if $(filter duckdb,$(JDM_DBT_TARGET)),$(BIN)/dbt,$(SPARK_VENV)/bin/dbt)
export JDM_EXTRACT_DIR JDM_DB JDM_SERVE_DB JDM_OUTPUT_DIR JDM_LANDING_DIR JDM_DBT_TARGET JDM_SPARK_DIR
# No telemetry: dbt and friends must not try to reach the internet.
export DO_NOT_TRACK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

.PHONY: run test test-spark install install-spark java extract build dq stats report publish docs clean

# Each step runs only if the one before succeeded: a failed build or DQ check
# never reaches `publish`, so readers keep the last good served file.
run: install extract build dq stats report publish docs
	@echo "Build file (data team only): $(JDM_DB) (schemas raw, staging, audit, intermediate, reference, marts)"
	@echo "Served file for analysts and BI tools: $(JDM_SERVE_DB) (pseudonymised marts but person_months, reference; README: Connect a BI tool)"
	@echo "Data quality: marts.dq_results; dashboard (data team only, one offline file): $(JDM_OUTPUT_DIR)/data_quality.html; GX results (JSON): $(JDM_OUTPUT_DIR)/gx_validation_results/"
	@echo "Study results: marts.study_results"
	@echo "Study report (small-cell suppressed): $(JDM_OUTPUT_DIR)/study_report.html; tables: $(JDM_OUTPUT_DIR)/summary_tables/"
	@echo "dbt docs (offline, one file): $(JDM_OUTPUT_DIR)/dbt_docs.html"

install: $(VENV)/.installed $(if $(filter duckdb,$(JDM_DBT_TARGET)),,install-spark)

$(VENV)/.installed: requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

# Spark: dbt with dbt-spark (session method) and pyspark, the optional
# `spark` extra, in a venv of its own (requirements-spark.lock says why);
# Java comes from the machine. `jdm` itself stays in .venv.
install-spark: $(SPARK_VENV)/.installed java

$(SPARK_VENV)/.installed: requirements-spark.lock requirements.lock
	test -x $(SPARK_VENV)/bin/python || $(PYTHON) -m venv $(SPARK_VENV)
	$(SPARK_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SPARK_VENV)/bin/python -m pip install --quiet -r requirements-spark.lock
	touch $@

# Spark 4 runs on Java 17 or 21 ("1.8.0" reads as 1: too old).
java:
	@v=$$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1); \
	if [ -z "$$v" ]; then \
	  echo "Spark needs Java 17 or 21, and there is no java on PATH: install a JDK (Debian: apt install openjdk-17-jre-headless) or put \$$JAVA_HOME/bin on PATH." >&2; exit 1; \
	elif [ "$$v" -lt 17 ]; then \
	  echo "Spark needs Java 17 or 21; the java on PATH is version $$v." >&2; exit 1; \
	fi

# The embedded synthetic registry is generated only into the default folder;
# a JDM_EXTRACT_DIR you point elsewhere must already hold a real extract.
extract: install
	@if [ ! -f "$(JDM_EXTRACT_DIR)/patients.csv" ]; then \
	  if [ "$(JDM_EXTRACT_DIR)" = "$(DEFAULT_EXTRACT_DIR)" ]; then \
	    $(BIN)/jdm generate --out "$(JDM_EXTRACT_DIR)"; \
	  else \
	    echo "No registry extract in JDM_EXTRACT_DIR=$(JDM_EXTRACT_DIR)" >&2; exit 1; \
	  fi; \
	fi

# dbt's unit tests check the models' logic on fixed rows, the same whatever
# the extract: the test suite's repeated builds leave them out
# (JDM_DBT_UNIT_TESTS=skip) and run them once. Data tests always run.
DBT_UNIT_TESTS := $(if $(filter skip,$(JDM_DBT_UNIT_TESTS)),--exclude test_type:unit,)

# Land the extract (every record as text, in Parquet), then build every layer.
# --full-refresh: a seed whose columns changed is recreated, not appended to
# (no model is incremental, so nothing else changes). On Spark the build's
# tables are then exported as Parquet and copied into the build file
# (jdm import-build), which the steps after this one read on both engines.
# The export has its own target folder: run-operation writes a
# run_results.json, which must not replace the build's.
build: install
	mkdir -p "$(dir $(JDM_DB))"
	$(BIN)/jdm land
	$(DBT) build --full-refresh $(DBT_UNIT_TESTS)
ifneq ($(JDM_DBT_TARGET),duckdb)
	rm -rf "$(JDM_SPARK_DIR)/export"
	$(DBT) run-operation export_to_parquet --target-path "$${DBT_TARGET_PATH:-target}/spark_export" \
	    --args '{directory: "$(JDM_SPARK_DIR)/export"}'
	$(BIN)/jdm import-build --from "$(JDM_SPARK_DIR)/export"
endif

# After the build: dbt's test results and the Great Expectations suites
# into marts.dq_results (fails if an error-level check fails), and the
# data-quality dashboard OUT/data_quality.html from them.
dq: install
	$(BIN)/jdm dq

# The study's significance tests on the marts into marts.study_results.
stats: install
	$(BIN)/jdm stats

# The HTML study report (self-contained; open it in any browser).
report: install
	$(BIN)/jdm report

# The pseudonymised copy readers use, replaced atomically. Without
# JDM_PSEUDONYM_KEY it uses the public demo key and says so.
publish: install
	$(BIN)/jdm publish --allow-demo-key

# The dbt docs site as one self-contained HTML file (works offline), with
# the staged columns described from the data dictionary. In its own target
# folder: `docs generate` writes a run_results.json, which must not replace
# the build's (jdm dq and jdm publish read that one).
docs: install
	$(DBT) docs generate --quiet --target-path "$${DBT_TARGET_PATH:-target}/docs_site"
	$(BIN)/python -m jdm.serve.docs_site "$${DBT_TARGET_PATH:-target}/docs_site" "$(JDM_OUTPUT_DIR)/dbt_docs.html"

# Two workers (the machine's two cores): most of a test's time is dbt
# compiling in one Python thread. A module's tests stay on one worker, so
# its fixtures are built once (--dist loadfile). Modules in their collected
# order (--no-loadscope-reorder: xdist would otherwise start the modules with
# the most tests first), so the engine comparison, collected first
# (python/tests/conftest.py), runs beside the rest instead of alone at the end.
test: install install-spark
	$(BIN)/pytest -n 2 --dist loadfile --no-loadscope-reorder --durations=15

# The whole project on Spark and on DuckDB, every table of staging, audit and
# marts (study_results and dq_results included) compared row for row, on the
# default extract and on one with 2% defects. Outputs in JDM_COMPARE_DIR.
JDM_COMPARE_DIR ?= warehouse/engines
test-spark: install install-spark extract
	scripts/compare_engines.sh "$(JDM_EXTRACT_DIR)" "$(JDM_COMPARE_DIR)/default"
	test -f "$(JDM_COMPARE_DIR)/defects_0.02/extract/patients.csv" || \
	    $(BIN)/jdm generate --defect-rate 0.02 --out "$(JDM_COMPARE_DIR)/defects_0.02/extract"
	scripts/compare_engines.sh "$(JDM_COMPARE_DIR)/defects_0.02/extract" "$(JDM_COMPARE_DIR)/defects_0.02"

clean:
	rm -rf target logs output warehouse/*.duckdb warehouse/*.wal warehouse/*.landing warehouse/.jdm_serving.duckdb.* warehouse/spark warehouse/engines
