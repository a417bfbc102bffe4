#!/usr/bin/env bash
# Build the warehouse from one extract with two checkouts of this project and
# compare every table of staging, audit and marts row for row
# (python -m jdm.compare). Used to show that a redesign changes nothing a
# user reads by accident.
#
#   scripts/compare_builds.sh BEFORE_CHECKOUT AFTER_CHECKOUT EXTRACT_DIR OUT_DIR
#
# Each checkout builds with its own `make build` and its own .venv (run
# `make install` in it first), into OUT_DIR/before and OUT_DIR/after.
# Exits 1 if the builds differ; the comparison is in OUT_DIR/compare.txt.
set -euo pipefail
if [ $# -ne 4 ]; then sed -n 2,11p "$0"; exit 2; fi
before=$(cd "$1" && pwd); after=$(cd "$2" && pwd); extract=$(cd "$3" && pwd); out=$4
mkdir -p "$out"; out=$(cd "$out" && pwd)
for side in before after; do
    checkout=${!side}
    rm -rf "${out:?}/$side"; mkdir -p "$out/$side"
    echo "building with $checkout ($(git -C "$checkout" rev-parse --short HEAD)) ..."
    env JDM_EXTRACT_DIR="$extract" JDM_DB="$out/$side/jdm.duckdb" JDM_LANDING_DIR="$out/$side/landing" \
        DBT_TARGET_PATH="$out/$side/target" DBT_LOG_PATH="$out/$side/logs" \
        make -C "$checkout" --no-print-directory build > "$out/$side/build.log" 2>&1 \
        || { tail -20 "$out/$side/build.log"; exit 1; }
done
"$after/.venv/bin/python" -m jdm.compare "$out/before/jdm.duckdb" "$out/after/jdm.duckdb" | tee "$out/compare.txt"
