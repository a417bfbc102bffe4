"""Code lists of the extract spec, in their canonical spelling, and the dates
that frame a synthetic extract.

The generator stores every coded value as a small integer (an index into one
of these tuples) and only turns it into text when a file is written, so the
tuples' order is part of the generated data: append, never reorder.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

# ---------------------------------------------------------------- calendar
EPOCH = dt.date(1970, 1, 1)


def day_number(date: dt.date) -> int:
    """Days since 1970-01-01: every date is an integer inside the generator."""
    return (date - EPOCH).days


REGISTRY = "UK and Ireland Juvenile Dermatomyositis Cohort and Biomarker Study (synthetic)"
SPEC_VERSION = "1"
# The extract is taken after every generated event; follow-up is cut there.
EXTRACT_DATE = day_number(dt.date(2013, 6, 30))
REGISTRY_START = day_number(dt.date(1995, 1, 1))
RECRUITMENT_END = day_number(dt.date(2012, 12, 31))
# The study protocol's exposure period (first IV cyclophosphamide infusion).
STUDY_PERIOD = (day_number(dt.date(2000, 1, 1)), day_number(dt.date(2011, 12, 31)))

# Sentinel for "no value" in integer columns (dates, scores, codes).
MISSING = -1
NO_DATE = np.iinfo(np.int32).min

# ---------------------------------------------------------------- patients
SEXES = ("F", "M", "U")
SEX_MIX = (0.70, 0.297, 0.003)

DIAGNOSES = (
    "Definite JDM",
    "Probable JDM",
    "Possible JDM",
    "JDM overlap",
    "Juvenile polymyositis",
    "Other",
)
DIAGNOSIS_MIX = (0.60, 0.20, 0.05, 0.08, 0.04, 0.03)
# Children treated with IV cyclophosphamide are the severe end of the cohort:
# mostly definite JDM, a few with a diagnosis the study protocol excludes.
CYC_DIAGNOSIS_MIX = (0.72, 0.14, 0.01, 0.08, 0.04, 0.01)

# UK census (2001) categories; labels with commas must be quoted in the CSV,
# and one rare free-text label carries double quotes.
ETHNICITIES = (
    "White, British",
    "White, Irish",
    "White, Any other White background",
    "Mixed, White and Black Caribbean",
    "Mixed, White and Asian",
    "Asian or Asian British, Indian",
    "Asian or Asian British, Pakistani",
    "Asian or Asian British, Bangladeshi",
    "Black or Black British, Caribbean",
    "Black or Black British, African",
    "Chinese",
    'Other ethnic group (stated as "Arab")',
    "Not stated",
)
ETHNICITY_MIX = (0.70, 0.02, 0.04, 0.02, 0.02, 0.06, 0.05, 0.02, 0.02, 0.03, 0.01, 0.005, 0.005)
ETHNICITY_MISSING = 0.04

# ---------------------------------------------------------------- medications
DRUGS = (
    "prednisolone",
    "methylprednisolone",
    "cyclophosphamide",
    "methotrexate",
    "ciclosporin",
    "hydroxychloroquine",
    "mycophenolate mofetil",
    "intravenous immunoglobulin",
    "rituximab",
    "infliximab",
    "tacrolimus",
)
PREDNISOLONE, METHYLPREDNISOLONE, CYCLOPHOSPHAMIDE, METHOTREXATE, CICLOSPORIN = range(5)
HYDROXYCHLOROQUINE, MYCOPHENOLATE, IVIG, RITUXIMAB, INFLIXIMAB, TACROLIMUS = range(5, 11)

ROUTES = ("oral", "IV", "SC")
ORAL, IV, SC = range(3)

DOSE_UNITS = ("mg", "g", "mg/kg", "mg/m2")
MG, G, MG_KG, MG_M2 = range(4)

FREQUENCIES = ("once", "daily", "twice daily", "alternate days", "weekly", "monthly")
ONCE, DAILY, TWICE_DAILY, ALTERNATE_DAYS, WEEKLY, MONTHLY = range(6)

# Cyclophosphamide indications, stored as a bit mask (bit i = code i) and
# written `;`-separated in this order.
INDICATIONS = (
    "skin_ulceration",
    "severe_skin",
    "muscle_weakness",
    "lung_disease",
    "gi_vasculopathy",
    "refractory",
)
# Chance of each code; muscle_weakness and refractory are then set from the
# patient's disease (see course.generate_course).
INDICATION_SHARES = (0.35, 0.30, 0.65, 0.10, 0.05, 0.45)


def indication_labels() -> tuple[str | None, ...]:
    """Text for every indication bit mask (index = mask; 0 = no indication)."""
    labels: list[str | None] = [None]
    for mask in range(1, 2 ** len(INDICATIONS)):
        labels.append(";".join(c for i, c in enumerate(INDICATIONS) if mask >> i & 1))
    return tuple(labels)


# ---------------------------------------------------------------- labs
LAB_TESTS = ("CK", "LDH", "AST", "ALT", "ALDOLASE", "ESR", "CRP")
CK, LDH, AST, ALT, ALDOLASE, ESR, CRP = range(7)
ENZYMES = (CK, LDH, AST, ALT, ALDOLASE)

LAB_UNITS = ("U/L", "IU/L", "ukat/L", "mm/h", "mg/L", "mg/dL")
U_L, IU_L, UKAT_L, MM_H, MG_L, MG_DL = range(6)
UKAT_IN_U_L = 60.0  # 1 ukat/L = 60 U/L

# ---------------------------------------------------------------- visits
YES_NO_FIELDS = ("rash", "nailfold_abnormal", "gottrons", "calcinosis", "skin_ulceration")
