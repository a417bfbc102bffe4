#!/usr/bin/env bash
# Build the warehouse from one extract on DuckDB and on Spark with this
# checkout, run the study steps on each, and compare row for row
# (python -m jdm.compare; floating values within 1e-9 relative):
#   - every table of staging, intermediate, audit and marts of the two build
#     files, marts.dq_results (jdm dq) and marts.study_results (jdm stats)
#     included (intermediate too: a difference shows where it starts);
#   - the two served files, every schema (jdm publish, same pseudonym key).
#
#   scripts/compare_engines.sh EXTRACT_DIR OUT_DIR
#
# Each engine builds with `make build dq stats publish` into OUT_DIR/duckdb
# and OUT_DIR/spark. Needs `make install install-spark` first (make
# test-spark does it). Exits 1 if anything differs; the comparisons are in
# OUT_DIR/compare_build.txt and OUT_DIR/compare_served.txt, the wall time of
# each engine's steps in OUT_DIR/<engine>/time.txt (peak memory, which on
# Spark is mostly the JVM's, is measured by benchmarks/engines_scale.py).
set -euo pipefail
if [ $# -ne 2 ]; then sed -n 2,16p "$0"; exit 2; fi
repo=$(cd "$(dirname "$0")/.." && pwd)
extract=$(cd "$1" && pwd); out=$2
mkdir -p "$out"; out=$(cd "$out" && pwd)
for engine in duckdb spark; do
    rm -rf "${out:?}/$engine"; mkdir -p "$out/$engine"
    echo "$engine: building $extract ..."
    env JDM_DBT_TARGET="$engine" JDM_EXTRACT_DIR="$extract" JDM_DB="$out/$engine/jdm.duckdb" \
        JDM_LANDING_DIR="$out/$engine/landing" JDM_SPARK_DIR="$out/$engine/spark" \
        JDM_SERVE_DB="$out/$engine/served.duckdb" JDM_OUTPUT_DIR="$out/$engine/output" \
        DBT_TARGET_PATH="$out/$engine/target" DBT_LOG_PATH="$out/$engine/logs" \
        /usr/bin/time -f "$engine: %e s" -o "$out/$engine/time.txt" \
        make -C "$repo" --no-print-directory build dq stats publish > "$out/$engine/make.log" 2>&1 \
        || { tail -30 "$out/$engine/make.log"; echo "$engine: make failed (log: $out/$engine/make.log)" >&2; exit 1; }
    cat "$out/$engine/time.txt"
done
status=0
echo "build files (staging, intermediate, audit, marts): DuckDB before, Spark after"
"$repo/.venv/bin/python" -m jdm.compare "$out/duckdb/jdm.duckdb" "$out/spark/jdm.duckdb" \
    --schemas staging intermediate audit marts > "$out/compare_build.txt" || status=1
cat "$out/compare_build.txt"
echo "served files (every schema): DuckDB before, Spark after"
served_schemas="$("$repo/.venv/bin/python" -c "from jdm.serve.publish import SERVED_SCHEMAS; print(*SERVED_SCHEMAS)") serving"
"$repo/.venv/bin/python" -m jdm.compare "$out/duckdb/served.duckdb" "$out/spark/served.duckdb" \
    --schemas $served_schemas > "$out/compare_served.txt" || status=1
cat "$out/compare_served.txt"
if [ $status -eq 0 ]; then echo "DuckDB and Spark: the same tables, columns and rows"; else echo "DuckDB and Spark differ" >&2; fi
exit $status
