"""`jdm`: the command line a clinician-analyst uses around the dbt build."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from jdm import config
from jdm.generator.treatment import DEFAULT_EFFECT_DAS_SKIN, DEFAULT_EFFECT_PHYSICIAN_GLOBAL


def _generate(args: argparse.Namespace) -> int:
    from jdm.generator import generate_extract
    from jdm.generator.treatment import TreatmentEffect

    summary = generate_extract(
        out_dir=Path(args.out),
        patients=args.patients,
        seed=args.seed,
        defect_rate=args.defect_rate,
        progress=None if args.progress == "auto" else args.progress == "on",
        effect=TreatmentEffect(das_skin=args.cyc_effect_das_skin, physician_global=args.cyc_effect_physician_global,
                               ramp_days=args.cyc_effect_ramp_months * 365.25 / 12),
        truth_path=Path(args.truth_file) if args.truth_file else None,
    )
    for file_name, rows in summary.rows_per_file.items():
        print(f"{file_name}: {rows} rows")
    if summary.manifest_path is not None:
        print(f"defect manifest: {summary.manifest_path} ({summary.defects} defects)")
    print(f"extract written to {args.out}")
    return 0


def _land(args: argparse.Namespace) -> int:
    from jdm.ingest.landing import ExtractContractError, land_extract

    try:
        reports = land_extract(Path(args.extract_dir), Path(args.landing_dir), args.memory_limit)
    except ExtractContractError as error:
        print(f"jdm land: {error}", file=sys.stderr)
        return 1
    for r in reports:
        print(f"{r.source_file}: landed ({r.parser} reader){', extra columns ' + ', '.join(r.extra_columns) if r.extra_columns else ''}")
    print(f"landed in {args.landing_dir}")
    return 0


def _import_build(args: argparse.Namespace) -> int:
    from jdm.spark_build import ExportMissing, import_build

    try:
        n = import_build(Path(args.export_dir), Path(args.db))
    except ExportMissing as error:
        print(f"jdm import-build: {error}", file=sys.stderr)
        return 1
    print(f"{n} tables from {args.export_dir} into {args.db}")
    return 0


def _dq(args: argparse.Namespace) -> int:
    from jdm.dq.dashboard import DASHBOARD_FILE
    from jdm.dq.run import VALIDATION_RESULTS_DIR, run_dq, summary

    out = Path(args.out)
    frame = run_dq(Path(args.db), Path(args.target_path), out)
    print(summary(frame))
    print(f"Data-quality dashboard (data team only: it shows raw values): {out / DASHBOARD_FILE}")
    print(f"Great Expectations validation results (JSON): {out / VALIDATION_RESULTS_DIR}/")
    return 1 if frame["status"].isin(["fail", "error"]).any() else 0


def _stats(args: argparse.Namespace) -> int:
    from jdm.study.analysis import RESULTS_TABLE, run_stats

    frame = run_stats(Path(args.db))
    print(f"{len(frame)} results written to {RESULTS_TABLE}")
    shown = frame[frame["analysis_set"] == "completers"]
    print(shown[["analysis", "measure", "timepoint", "test", "n", "estimate", "p_value", "p_holm"]].to_string(index=False))
    return 0


def _report(args: argparse.Namespace) -> int:
    from jdm.report.study_report import write_report

    published = write_report(Path(args.db), Path(args.out))
    print(f"Study report: {published.report}")
    for path in published.summary_tables:
        print(f"Summary table: {path}")
    return 0


def _publish(args: argparse.Namespace) -> int:
    from jdm.serve.publish import PublishRefused, publish
    from jdm.serve.pseudonyms import MissingKeyError, key_from_environment

    try:
        key = key_from_environment(allow_demo=args.allow_demo_key)
        publication = publish(Path(args.db), Path(args.serve_db), Path(args.target_path), key)
    except (PublishRefused, MissingKeyError) as refusal:
        print(f"jdm publish: not published: {refusal}", file=sys.stderr)
        return 1
    if publication.demo_key:
        print("WARNING: JDM_PSEUDONYM_KEY is not set: pseudonyms use the public DEMO key and protect nothing. "
              "Fine for the synthetic registry; set the key for real data.")
    print(f"Served file: {publication.path} ({publication.tables} tables, {publication.rows} rows; "
          f"publication {publication.publication_id})")
    return 0


def _pseudonym(args: argparse.Namespace) -> int:
    from jdm.serve.pseudonyms import MissingKeyError, key_from_environment, pseudonym

    try:
        key = key_from_environment(allow_demo=args.allow_demo_key)
    except MissingKeyError as missing:
        print(f"jdm pseudonym: {missing}", file=sys.stderr)
        return 1
    for identifier in args.ids:
        print(f"{identifier}\t{pseudonym(key, args.kind, identifier)}")
    return 0


def _sql(args: argparse.Namespace) -> int:
    from jdm.serve.reader import connect_reader

    with connect_reader(Path(args.db)) as con:
        frame = con.execute(args.query).df()
    print(frame.to_string(index=False, max_rows=args.max_rows))
    return 0


def _add_build_db(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", default=str(config.warehouse_db()), help="build file (default: $JDM_DB)")


def _add_target_path(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--target-path", default=str(config.dbt_target_dir()),
                        help="dbt target folder of the build (default: $DBT_TARGET_PATH or target)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jdm",
        description=(
            "JDM registry warehouse. Typical use: `make run` (generate a synthetic "
            "extract if none, build the warehouse). Environment: JDM_EXTRACT_DIR "
            f"(extract folder, default {config.DEFAULT_EXTRACT_DIR}), JDM_DB "
            f"(build file, default {config.DEFAULT_DB}), JDM_SERVE_DB (served file for readers, "
            f"default {config.DEFAULT_SERVE_DB}), JDM_PSEUDONYM_KEY (pseudonym key)."
        ),
    )
    sub = parser.add_subparsers(dest="command", required=True)

    gen = sub.add_parser(
        "generate",
        help="write a synthetic registry extract (CSV files in the spec's format)",
        description=(
            "Write a deterministic synthetic registry extract. The same --seed "
            "always gives the same files. With --defect-rate, each of the spec's "
            "11 known defect classes is injected and listed in defect_manifest.csv. "
            "Who starts IV cyclophosphamide depends on the disease activity the registry records "
            "(confounding by severity), and the course has a known effect on DAS skin and physician "
            "global (--cyc-effect-*), so that the causal estimate can be checked."
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
        "--cyc-effect-das-skin",
        type=float,
        default=DEFAULT_EFFECT_DAS_SKIN,
        help=("true effect of IV cyclophosphamide on DAS skin, in points (negative = better), reached "
              f"--cyc-effect-ramp-months after the first infusion and kept after (default {DEFAULT_EFFECT_DAS_SKIN}, "
              "the follow-up paper's estimate)"),
    )
    gen.add_argument(
        "--cyc-effect-physician-global",
        type=float,
        default=DEFAULT_EFFECT_PHYSICIAN_GLOBAL,
        help=("true effect on physician global VAS, in cm (default "
              f"{DEFAULT_EFFECT_PHYSICIAN_GLOBAL}, the follow-up paper's estimate)"),
    )
    gen.add_argument(
        "--cyc-effect-ramp-months",
        type=float,
        default=6.0,
        help="the effect grows linearly from 0 at the first infusion to its full size over this many months (default 6)",
    )
    gen.add_argument(
        "--truth-file",
        default=None,
        help=("also write this CSV (not part of the extract): each visit's DAS skin and physician global "
              "as recorded without and with the full effect, for checking an analysis"),
    )
    gen.add_argument(
        "--progress",
        choices=["auto", "on", "off"],
        default="auto",
        help="progress bar: auto shows it only on a terminal",
    )
    gen.set_defaults(func=_generate)

    land = sub.add_parser(
        "land",
        help="land the registry extract as Parquet files for the raw layer (before dbt build)",
        description=(
            "Read each file of the extract (every value as text, every record kept: records "
            "whose fields cannot be told apart are set aside with their reason) and write it as "
            "a Parquet file for dbt's raw models, on DuckDB or Spark. A missing file or column "
            "stops it with a message naming both. `make build` runs it before `dbt build`."
        ),
    )
    land.add_argument("--extract-dir", default=str(config.extract_dir()),
                      help=f"the extract folder (default: $JDM_EXTRACT_DIR or {config.DEFAULT_EXTRACT_DIR})")
    land.add_argument("--landing-dir", default=str(config.landing_dir()),
                      help="where the Parquet files go (default: $JDM_LANDING_DIR, or beside the build file)")
    land.add_argument("--memory-limit", default=os.environ.get("JDM_DUCKDB_MEMORY_LIMIT", "3GB"),
                      help="DuckDB memory limit while landing (default: $JDM_DUCKDB_MEMORY_LIMIT or 3GB)")
    land.set_defaults(func=_land)

    imp = sub.add_parser(
        "import-build",
        help="make the build file from a Spark build's Parquet export (after dbt build on Spark)",
        description=(
            "A Spark build ends with `dbt run-operation export_to_parquet`, which writes every table "
            "of every schema as Parquet. This writes them into a new build file with the same schemas, "
            "tables, columns and rows, which jdm dq, stats, report and publish then read as they read "
            "a DuckDB build. `JDM_DBT_TARGET=spark make build` runs it."
        ),
    )
    imp.add_argument("--from", dest="export_dir", required=True, help="the export folder (one folder per schema)")
    _add_build_db(imp)
    imp.set_defaults(func=_import_build)

    dq = sub.add_parser(
        "dq",
        help="data-quality results of the last build into marts.dq_results",
        description=(
            "Collect the dbt tests of the last `dbt build` (run_results.json) and run the "
            "Great Expectations suites over the staging tables and marts; write one row per "
            "check to marts.dq_results (violated rows, denominator, percent, threshold, status, "
            "Kahn category); then the data-quality dashboard OUT/data_quality.html (one offline file "
            "for the data team: overview, reconciliation, every check, sample offending rows) and GX's "
            "validation results as JSON in OUT/gx_validation_results/. Exits 1 if an error-level check "
            "fails. Run it after dbt build, with no other process writing."
        ),
    )
    _add_build_db(dq)
    _add_target_path(dq)
    dq.add_argument("--out", default=str(config.output_dir()), help="output folder (default: $JDM_OUTPUT_DIR or output)")
    dq.set_defaults(func=_dq)

    st = sub.add_parser(
        "stats",
        help="the study's significance tests on the marts into marts.study_results",
        description=(
            "Run every analysis of the study protocol (Wilcoxon, exact McNemar, Wilson "
            "proportions, bootstrap median percent change, Kaplan-Meier, Holm) for the "
            "`completers` and `all_treated` analysis sets, reading the marts read-only, and "
            "replace marts.study_results (one row per analysis x measure x timepoint x set)."
        ),
    )
    _add_build_db(st)
    st.set_defaults(func=_stats)

    rep = sub.add_parser(
        "report",
        help="write the HTML study report (self-contained, opens offline)",
        description=(
            "Write OUT/study_report.html from the marts and marts.study_results (run `jdm stats` "
            "first): STROBE flow, headline results, trajectories, skin outcomes, time to off "
            "steroids, data-quality summary. One file, figures inline."
        ),
    )
    _add_build_db(rep)
    rep.add_argument("--out", default=str(config.output_dir()), help="output folder (default: $JDM_OUTPUT_DIR or output)")
    rep.set_defaults(func=_report)

    sql = sub.add_parser(
        "sql",
        help="run a read-only query on the warehouse (locked-down connection)",
        description=(
            "Run one SQL query on the served file (pseudonymised marts and reference tables, "
            "see `jdm publish`) through a read-only connection that cannot write, reach other "
            "files or the network, load extensions, or change its own settings. "
            'Example: jdm sql "select * from marts.attrition"'
        ),
    )
    sql.add_argument("query", help="the SQL query")
    sql.add_argument("--db", default=str(config.serve_db()),
                     help="file to read (default: the served file, $JDM_SERVE_DB)")
    sql.add_argument("--max-rows", type=int, default=200, help="rows to print at most (default 200)")
    sql.set_defaults(func=_sql)

    pub = sub.add_parser(
        "publish",
        help="serve the last passed build: pseudonymised copy, atomically replacing the served file",
        description=(
            "After a passed `dbt build` and `jdm dq`, copy the marts and reference schemas into a new "
            "file (DuckDB 1.x-readable storage), with registry ids replaced by keyed pseudonyms "
            "(HMAC-SHA256, key in $JDM_PSEUDONYM_KEY) and dates of birth by year-month, and rename it "
            "over the served file ($JDM_SERVE_DB). Readers connected meanwhile keep the old data; "
            "a failed publication changes nothing."
        ),
    )
    _add_build_db(pub)
    pub.add_argument("--serve-db", default=str(config.serve_db()),
                     help=f"served file (default: $JDM_SERVE_DB or {config.DEFAULT_SERVE_DB})")
    _add_target_path(pub)
    pub.add_argument("--allow-demo-key", action="store_true",
                     help="if JDM_PSEUDONYM_KEY is unset, use the public demo key (synthetic data only)")
    pub.set_defaults(func=_publish)

    pse = sub.add_parser(
        "pseudonym",
        help="print the served pseudonym of registry ids (needs the key)",
        description=(
            "For a key holder tracing a served row back to the registry: the pseudonym that "
            "`jdm publish` gives each id with the key in $JDM_PSEUDONYM_KEY."
        ),
    )
    pse.add_argument("ids", nargs="+", help="registry ids")
    pse.add_argument("--kind", choices=["patient", "record"], default="patient",
                     help="patient ids (patient_pseudonym) or record ids (visit/lab/medication; default patient)")
    pse.add_argument("--allow-demo-key", action="store_true", help="use the public demo key if no key is set")
    pse.set_defaults(func=_pseudonym)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
