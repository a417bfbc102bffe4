"""`generate_extract`: the chunk loop that ties the generator together."""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from jdm.ingest.dictionary import EXTRACT_METADATA, LABS, MEDICATIONS, PATIENTS, VISITS
from jdm.generator import codes
from jdm.generator import treatment
from jdm.generator.cohort import generate_cohort, patients_table, place_treated
from jdm.generator.course import after_treatment, generate_course
from jdm.generator.defects import DefectInjector
from jdm.generator.labs import generate_labs
from jdm.generator.medications import generate_medications
from jdm.generator.visits import finish_visits, natural_visits
from jdm.generator.writer import MANIFEST_COLUMNS, MANIFEST_FILE, ExtractWriter, patient_id_width, write_metadata

# Patients per chunk. Fixed, because the chunking is part of the random
# streams: the same seed must give the same extract on any machine.
CHUNK_PATIENTS = 25_000
DATA_FILES = (PATIENTS, VISITS, MEDICATIONS, LABS)


@dataclass(frozen=True)
class ExtractSummary:
    rows_per_file: dict[str, int]  # data records per file, header excluded
    manifest_path: Path | None  # defect_manifest.csv, or None for a clean extract
    defects: int  # rows in the manifest


def generate_extract(
    out_dir: Path,
    patients: int = 410,
    seed: int = 42,
    defect_rate: float = 0.0,
    progress: bool | None = None,
    effect: treatment.TreatmentEffect | None = None,
    truth_path: Path | None = None,
) -> ExtractSummary:
    """Write a synthetic registry extract (the five spec files) into out_dir.

    The same arguments always give byte-identical files. With defect_rate > 0
    every known defect class of the spec is injected (each at least once, about
    defect_rate of each file's rows in all) and listed in defect_manifest.csv
    in the same folder; with 0 the extract is clean and no manifest is left.

    effect: the true effect of IV cyclophosphamide on DAS skin and physician
    global (default: `treatment.TreatmentEffect()`, the follow-up paper's
    estimates). truth_path: if given, a CSV (outside the extract's five
    files) with each visit's recorded DAS skin and physician global without
    and with the full effect of a course, for checking what an analysis
    should recover (columns patient, visit, das_skin_untreated,
    das_skin_if_treated, physician_global_vas_untreated,
    physician_global_vas_if_treated; patient and visit are the numbers in
    patient_id JDMnnnnn and visit_id JDMnnnnn-Vkkk).
    """
    effect = treatment.TreatmentEffect() if effect is None else effect
    if patients < 1:
        raise ValueError("patients must be at least 1")
    if not 0.0 <= defect_rate < 1.0:
        raise ValueError("defect_rate must be in [0, 1)")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest_path = out_dir / MANIFEST_FILE
    manifest_path.unlink(missing_ok=True)  # a stale manifest would describe another extract

    n_chunks = -(-patients // CHUNK_PATIENTS)
    chunk_seeds = np.random.SeedSequence(seed).spawn(n_chunks)
    id_width = patient_id_width(patients)
    writer = ExtractWriter(out_dir, id_width, [(f.name, f.columns) for f in DATA_FILES])
    injector = DefectInjector(defect_rate, patients) if defect_rate > 0 else None
    show = sys.stderr.isatty() if progress is None else progress
    complete = False
    truth: list = []
    try:
        for chunk in tqdm(range(n_chunks), desc="generating extract", unit="chunk", disable=not show):
            first = chunk * CHUNK_PATIENTS
            n = min(CHUNK_PATIENTS, patients - first)
            # One independent stream per concern: adding defects (or changing
            # one module) leaves the other files' values unchanged.
            cohort_rng, course_rng, visit_rng, med_rng, lab_rng, defect_rng, treatment_rng = (
                np.random.default_rng(s) for s in chunk_seeds[chunk].spawn(7)
            )
            cohort = generate_cohort(cohort_rng, first + 1, n)
            course = generate_course(course_rng, cohort)
            natural = natural_visits(visit_rng, cohort, course)
            start_day = _decide_starts(treatment_rng, cohort, natural)
            rec = natural.recorded
            candidates = treatment.no_baseline_candidates(n, rec.patient, rec.day, rec.any_score(), start_day)
            place_treated(cohort_rng, cohort, start_day, candidates)
            after_treatment(course_rng, cohort, course)
            visits = finish_visits(visit_rng, cohort, course, natural, effect)
            if truth_path is not None:
                truth.append(_truth_frame(cohort, visits))
            tables = {
                PATIENTS.name: patients_table(cohort),
                VISITS.name: visits.table,
                MEDICATIONS.name: generate_medications(med_rng, cohort, course),
                LABS.name: generate_labs(lab_rng, cohort, course, visits),
            }
            if injector is not None:
                offsets = {f.name: writer.rows_written(f.name) for f in DATA_FILES}
                tables = injector.inject(defect_rng, cohort, tables, offsets)
            writer.wait()  # the previous chunk is on disk before this one is queued
            for f in DATA_FILES:
                writer.append(f.name, f.columns, tables[f.name])
        rows = {EXTRACT_METADATA.name: 1} | {f.name: writer.rows_written(f.name) for f in DATA_FILES}
        complete = True
    finally:
        writer.close(complete)

    if truth_path is not None:
        import pandas as pd

        pd.concat(truth, ignore_index=True).to_csv(truth_path, index=False)
    write_metadata(out_dir, (codes.EPOCH + dt.timedelta(days=codes.EXTRACT_DATE)).isoformat())
    defects = 0
    if injector is not None:
        manifest = injector.manifest()
        defects = len(manifest)
        manifest_writer = ExtractWriter(out_dir, id_width, [(MANIFEST_FILE, MANIFEST_COLUMNS)])
        try:
            manifest_writer.append(MANIFEST_FILE, MANIFEST_COLUMNS, manifest)
        finally:
            manifest_writer.close(True)
    return ExtractSummary(
        rows_per_file=rows,
        manifest_path=manifest_path if injector is not None else None,
        defects=defects,
    )


def _decide_starts(rng: np.random.Generator, cohort, natural) -> np.ndarray:
    """treatment.decide_starts on the natural history's recorded scores."""
    rec = natural.recorded
    v = rec.values
    scores = {
        "physician_global_vas": (v["physician10"] / 10.0, v["physician10"] != codes.MISSING),
        "das_skin": (v["das_skin"].astype(float), v["das_skin"] != codes.MISSING),
        "cmas": (v["cmas"].astype(float), v["cmas"] != codes.MISSING),
    }
    n = len(cohort)
    last = np.full(n, -1, dtype=np.int64)
    np.maximum.at(last, rec.patient, rec.day.astype(np.int64))
    return treatment.decide_starts(rng, n, rec.patient, rec.day.astype(np.int64), scores, last)


def _truth_frame(cohort, visits):
    import pandas as pd

    return pd.DataFrame({
        "patient": cohort.number[visits.patient],
        "visit": visits.table.columns["k"],
        "das_skin_untreated": visits.das_skin_untreated,
        "das_skin_if_treated": visits.das_skin_if_treated,
        "physician_global_vas_untreated": visits.physician10_untreated / 10,
        "physician_global_vas_if_treated": visits.physician10_if_treated / 10,
    })
