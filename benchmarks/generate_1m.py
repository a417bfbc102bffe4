"""Benchmark: generate a 1,000,000-patient synthetic extract.

Usage: python benchmarks/generate_1m.py [OUT_DIR] [--patients N] [--defect-rate R] [--keep]

Writes into OUT_DIR (default: a temporary folder) and prints the wall time,
the peak resident memory (ru_maxrss of this process and of any children) and
rows and bytes per file. The files are deleted afterwards (they take several
GB) unless --keep is given.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from jdm.generator import generate_extract


def peak_rss_mib() -> float:
    # ru_maxrss is in KiB on Linux; the peak of self and of waited-for children.
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", nargs="?", help="output folder (default: a temporary folder)")
    parser.add_argument("--patients", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--defect-rate", type=float, default=0.0)
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    args = parser.parse_args(argv)

    out_dir = Path(args.out_dir) if args.out_dir else Path(tempfile.mkdtemp(prefix="jdm-extract-1m-"))
    created = not out_dir.exists() or not any(out_dir.iterdir())
    try:
        started = time.perf_counter()
        summary = generate_extract(
            out_dir=out_dir, patients=args.patients, seed=args.seed, defect_rate=args.defect_rate, progress=None
        )
        elapsed = time.perf_counter() - started
        print(f"patients: {args.patients:,}  seed: {args.seed}  defect rate: {args.defect_rate}")
        print(f"wall time: {elapsed:.1f} s")
        print(f"peak memory (max RSS): {peak_rss_mib():.0f} MiB")
        total_rows = total_bytes = 0
        names = list(summary.rows_per_file) + ([summary.manifest_path.name] if summary.manifest_path else [])
        for name in names:
            size = (out_dir / name).stat().st_size
            rows = summary.rows_per_file.get(name, summary.defects)
            total_rows += rows
            total_bytes += size
            print(f"  {name:<22} {rows:>12,} rows {size / 2**20:>10.1f} MiB")
        print(f"  {'total':<22} {total_rows:>12,} rows {total_bytes / 2**20:>10.1f} MiB")
        print(f"throughput: {total_rows / elapsed:,.0f} rows/s, {total_bytes / 2**20 / elapsed:.1f} MiB/s")
    finally:
        if not args.keep:
            if created:
                shutil.rmtree(out_dir, ignore_errors=True)
            else:
                for name in ("extract_metadata.csv", "patients.csv", "visits.csv", "medications.csv", "labs.csv", "defect_manifest.csv"):
                    (out_dir / name).unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
