"""`jdm`: the command line a clinician-analyst uses around the dbt build."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from jdm import config


def _generate(args: argparse.Namespace) -> int:
    from jdm.generator import generate_extract

    summary = generate_extract(
        out_dir=Path(args.out),
        patients=args.patients,
        seed=args.seed,
        defect_rate=args.defect_rate,
        progress=None if args.progress == "auto" else args.progress == "on",
    )
    for file_name, rows in summary.rows_per_file.items():
        print(f"{file_name}: {rows} rows")
    if summary.manifest_path is not None:
        print(f"defect manifest: {summary.manifest_path} ({summary.defects} defects)")
    print(f"extract written to {args.out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jdm",
        description=(
            "JDM registry warehouse. Typical use: `make run` (generate a synthetic "
            "extract if none, build the warehouse). Environment: JDM_EXTRACT_DIR "
            f"(extract folder, default {config.DEFAULT_EXTRACT_DIR}), JDM_DB "
            f"(warehouse file, default {config.DEFAULT_DB})."
        ),
    )
    sub = parser.add_subparsers(dest="command", required=True)

    gen = sub.add_parser(
        "generate",
        help="write a synthetic registry extract (CSV files in the spec's format)",
        description=(
            "Write a deterministic synthetic registry extract. The same --seed "
            "always gives the same files. With --defect-rate, each of the spec's "
            "11 known defect classes is injected and listed in defect_manifest.csv."
        ),
    )
    gen.add_argument("--patients", type=int, default=410, help="number of patients (default 410)")
    gen.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    gen.add_argument(
        "--out",
        default=str(config.extract_dir()),
        help="output folder (default: $JDM_EXTRACT_DIR or data/extract)",
    )
    gen.add_argument(
        "--defect-rate",
        type=float,
        default=0.0,
        help="share of rows given one of the spec's known defects (default 0: a clean extract)",
    )
    gen.add_argument(
        "--progress",
        choices=["auto", "on", "off"],
        default="auto",
        help="progress bar: auto shows it only on a terminal",
    )
    gen.set_defaults(func=_generate)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
