"""Hand-worked patients for the 2016 ACR/EULAR juvenile DM Total Improvement
Score (TIS) and for PRINTO clinically inactive disease.

Data only, no tests: pytest does not collect this module (its name does not
start with ``test_``). A test of the dbt models (or of any other
implementation) imports ``TIS_CASES`` and ``PRINTO_CASES``, feeds each
patient's values in, and compares with the expected values. Every expected
value below was worked out by hand, step by step, in the comment above it,
from the rules in CRITERIA_NOTES.md and the seeds, not by running code:

* TIS points per measure: seeds/response_criteria_points.csv (Rider et al.,
  Arthritis Rheumatol 2017;69:911-923, Table 3). Bands are (lower, upper]:
  an improvement exactly on an edge belongs to the lower band.
* Improvement in percent (positive = better), seeds/measure_ranges.csv; the
  ranges are the data dictionary's (seeds/extract_columns.csv; DAS total =
  skin + muscle); lower-is-better scales (VAS 0-10, CHAQ 0-3, DAS total 0-20):
  (baseline - follow-up) / range x 100; higher-is-better (CMAS 0-52,
  MMT8 0-80): (follow-up - baseline) / range x 100; muscle enzyme:
  (baseline - follow-up) / baseline x 100.
* Muscle enzyme: the enzyme with the highest baseline value / ULN (ULNs of
  seeds/muscle_enzyme_limits.csv, copied in ``ULN``); ties go to the lower
  tie_break_order (CK, ALDOLASE, LDH, AST, ALT). The same enzyme is used at
  follow-up; if it is missing there the component is missing.
* TIS = sum of the six components' points. Any component missing (at
  baseline or follow-up) -> no TIS and no level (the points of the components
  that can be scored are still given, for information).
* Level (seeds/response_criteria_thresholds.csv): major >= 70,
  moderate >= 45, minimal >= 30, otherwise none.
* Two TIS per patient: ``cmas`` (CMAS as the muscle strength measure, the
  primary score) and ``mmt8`` (MMT8 in its place). The other five
  components are shared.

Points table used (improvement %, points):

    physician_global_vas  <=5: 0 | (5,15]: 7.5 | (15,25]: 15   | (25,40]: 17.5 | >40: 20
    parent_global_vas     <=5: 0 | (5,15]: 2.5 | (15,25]: 5    | (25,40]: 7.5  | >40: 10
    cmas / mmt8           <=2: 0 | (2,10]: 10  | (10,20]: 20   | (20,30]: 27.5 | >30: 32.5
    chaq                  <=5: 0 | (5,15]: 5   | (15,25]: 7.5  | (25,40]: 7.5  | >40: 10
    muscle_enzyme         <=5: 0 | (5,15]: 2.5 | (15,25]: 5    | (25,40]: 7.5  | >40: 7.5
    das_total             <=5: 0 | (5,15]: 7.5 | (15,25]: 12.5 | (25,40]: 15   | >40: 20

Edges in scale units: VAS 0.5 / 1.5 / 2.5 / 4.0 cm; CHAQ 0.15 / 0.45 /
0.75 / 1.2; DAS total 1 / 3 / 5 / 8; MMT8 1.6 / 8 / 16 / 24; CMAS 1.04 /
5.2 / 10.4 / 15.6 (an integer CMAS change never lands exactly on an edge).

Decimals are ``Decimal`` so that an edge is an edge: in binary floating
point (1.05 - 0.60) / 3 * 100 is 15.000000000000002 and
(1.8 - 0.6) / 3 * 100 is 40.00000000000001 (cases T4 and T7 catch that).
"""

from __future__ import annotations

from decimal import Decimal as D

# seeds/muscle_enzyme_limits.csv (U/L). The cases assume these values; a test
# should assert that the seed still holds them.
ULN = {"CK": D("252"), "ALDOLASE": D("7"), "LDH": D("226"), "AST": D("34"), "ALT": D("40")}

TIS_MEASURES = ("physician_global_vas", "parent_global_vas", "cmas", "mmt8", "chaq", "das_total")
SCORED_COMPONENTS = TIS_MEASURES + ("muscle_enzyme",)

TIS_CASES: list[dict] = [
    # ------------------------------------------------------------------
    # T1 major responder, every component in its top band (TIS = 100).
    # Enzyme at baseline, value / ULN:
    #   CK 2520/252 = 10.0; ALDOLASE 14/7 = 2.0; LDH 452/226 = 2.0;
    #   AST 68/34 = 2.0; ALT 80/40 = 2.0  -> CK (10.0) is the most abnormal.
    # physician VAS 6.0 -> 1.0: (6.0 - 1.0) / 10 = 50 %      > 40  -> 20
    # parent VAS    7.0 -> 2.0: (7.0 - 2.0) / 10 = 50 %      > 40  -> 10
    # CMAS          20 -> 45:  (45 - 20) / 52 = 25/52 = 48.1 % > 30 -> 32.5
    # MMT8          50 -> 76:  (76 - 50) / 80 = 26/80 = 32.5 % > 30 -> 32.5
    # CHAQ         2.0 -> 0.5: (2.0 - 0.5) / 3 = 1.5/3 = 50 %  > 40 -> 10
    # CK          2520 -> 200: (2520 - 200) / 2520 = 92.1 %    > 40 -> 7.5
    # DAS total     15 -> 4:   (15 - 4) / 20 = 55 %            > 40 -> 20
    # TIS (CMAS) = 20 + 10 + 32.5 + 10 + 7.5 + 20 = 100 -> major
    # TIS (MMT8) = 20 + 10 + 32.5 + 10 + 7.5 + 20 = 100 -> major
    {
        "case": "T1_major_full_score",
        "covers": "major responder; every component in its top band; the maximum TIS is 100",
        "baseline": {"physician_global_vas": D("6.0"), "parent_global_vas": D("7.0"), "cmas": 20,
                     "mmt8": 50, "chaq": D("2.0"), "das_total": 15},
        "follow_up": {"physician_global_vas": D("1.0"), "parent_global_vas": D("2.0"), "cmas": 45,
                      "mmt8": 76, "chaq": D("0.5"), "das_total": 4},
        "enzymes_baseline": {"CK": D("2520"), "ALDOLASE": D("14"), "LDH": D("452"), "AST": D("68"),
                             "ALT": D("80")},
        "enzymes_follow_up": {"CK": D("200"), "ALDOLASE": D("6"), "LDH": D("200"), "AST": D("30"),
                              "ALT": D("25")},
        "uln": ULN,
        "expected_enzyme": "CK",
        "expected_points": {"physician_global_vas": D("20"), "parent_global_vas": D("10"),
                            "cmas": D("32.5"), "mmt8": D("32.5"), "chaq": D("10"),
                            "muscle_enzyme": D("7.5"), "das_total": D("20")},
        "expected_total": {"cmas": D("100"), "mmt8": D("100")},
        "expected_level": {"cmas": "major", "mmt8": "major"},
    },
    # ------------------------------------------------------------------
    # T2 worsening measures score 0, never less, and a worsening is not an
    # improvement of the same size (an implementation that took abs() of the
    # change would score parent 5, CMAS 10, MMT8 10, CHAQ 5, CK 5 and reach
    # 52.5 = moderate).
    # Enzyme at baseline: CK 500/252 = 1.98; ALDOLASE 9/7 = 1.29;
    #   LDH 300/226 = 1.33; AST 40/34 = 1.18; ALT 30/40 = 0.75 -> CK.
    # physician VAS 5.0 -> 3.0: (5.0 - 3.0) / 10 = 20 %     (15,25] -> 15
    # parent VAS    4.0 -> 6.0: (4.0 - 6.0) / 10 = -20 %    worse   -> 0
    # CMAS          30 -> 28:   (28 - 30) / 52 = -3.8 %     worse   -> 0
    # MMT8          60 -> 58:   (58 - 60) / 80 = -2.5 %     worse   -> 0
    # CHAQ         1.0 -> 1.3: (1.0 - 1.3) / 3 = -10 %      worse   -> 0
    # CK           500 -> 600: (500 - 600) / 500 = -20 %    worse   -> 0
    # DAS total     10 -> 6:   (10 - 6) / 20 = 20 %         (15,25] -> 12.5
    # TIS (CMAS) = 15 + 0 + 0 + 0 + 0 + 12.5 = 27.5 -> none (< 30)
    # TIS (MMT8) = 15 + 0 + 0 + 0 + 0 + 12.5 = 27.5 -> none
    {
        "case": "T2_worsening",
        "covers": "worsening measures (parent VAS, CMAS, MMT8, CHAQ, enzyme) score 0; total below minimal",
        "baseline": {"physician_global_vas": D("5.0"), "parent_global_vas": D("4.0"), "cmas": 30,
                     "mmt8": 60, "chaq": D("1.0"), "das_total": 10},
        "follow_up": {"physician_global_vas": D("3.0"), "parent_global_vas": D("6.0"), "cmas": 28,
                      "mmt8": 58, "chaq": D("1.3"), "das_total": 6},
        "enzymes_baseline": {"CK": D("500"), "ALDOLASE": D("9"), "LDH": D("300"), "AST": D("40"),
                             "ALT": D("30")},
        "enzymes_follow_up": {"CK": D("600"), "ALDOLASE": D("8"), "LDH": D("280"), "AST": D("38"),
                              "ALT": D("28")},
        "uln": ULN,
        "expected_enzyme": "CK",
        "expected_points": {"physician_global_vas": D("15"), "parent_global_vas": D("0"),
                            "cmas": D("0"), "mmt8": D("0"), "chaq": D("0"),
                            "muscle_enzyme": D("0"), "das_total": D("12.5")},
        "expected_total": {"cmas": D("27.5"), "mmt8": D("27.5")},
        "expected_level": {"cmas": "none", "mmt8": "none"},
    },
    # ------------------------------------------------------------------
    # T3 a missing component (parent VAS not recorded at follow-up): no TIS
    # in either variant. The other components would sum to 67.5, and parent
    # VAS could add 0 to 10: 67.5 (moderate) to 77.5 (major), so no level can
    # be given.
    # Enzyme at baseline: CK 300/252 = 1.19; ALDOLASE 10/7 = 1.43;
    #   LDH 500/226 = 2.21; AST 50/34 = 1.47; ALT 45/40 = 1.13 -> LDH.
    # physician VAS 4.0 -> 1.0: 3.0 / 10 = 30 %           (25,40] -> 17.5
    # parent VAS    5.0 -> missing                                 -> missing
    # CMAS          40 -> 48:  8/52 = 15.4 %              (10,20] -> 20
    # MMT8          70 -> 79:  9/80 = 11.25 %             (10,20] -> 20
    # CHAQ         0.8 -> 0.2: 0.6/3 = 20 %               (15,25] -> 7.5
    # LDH          500 -> 250: 250/500 = 50 %             > 40    -> 7.5
    # DAS total      8 -> 2:   6/20 = 30 %                (25,40] -> 15
    # TIS (CMAS) = none (a component is missing); TIS (MMT8) = none
    {
        "case": "T3_missing_component",
        "covers": "a missing component (parent VAS at follow-up): no score in either variant",
        "baseline": {"physician_global_vas": D("4.0"), "parent_global_vas": D("5.0"), "cmas": 40,
                     "mmt8": 70, "chaq": D("0.8"), "das_total": 8},
        "follow_up": {"physician_global_vas": D("1.0"), "parent_global_vas": None, "cmas": 48,
                      "mmt8": 79, "chaq": D("0.2"), "das_total": 2},
        "enzymes_baseline": {"CK": D("300"), "ALDOLASE": D("10"), "LDH": D("500"), "AST": D("50"),
                             "ALT": D("45")},
        "enzymes_follow_up": {"CK": D("100"), "ALDOLASE": D("5"), "LDH": D("250"), "AST": D("30"),
                              "ALT": D("20")},
        "uln": ULN,
        "expected_enzyme": "LDH",
        "expected_points": {"physician_global_vas": D("17.5"), "parent_global_vas": None,
                            "cmas": D("20"), "mmt8": D("20"), "chaq": D("7.5"),
                            "muscle_enzyme": D("7.5"), "das_total": D("15")},
        "expected_total": {"cmas": None, "mmt8": None},
        "expected_level": {"cmas": None, "mmt8": None},
    },
    # ------------------------------------------------------------------
    # T4 values exactly on band edges: each goes to the LOWER band. Had the
    # edges gone to the upper band the totals would be 52.5 (CMAS) and 62.5
    # (MMT8), both moderate instead of minimal. CHAQ is the floating-point
    # trap: (1.05 - 0.60) / 3 * 100 = 15.000000000000002 in binary floats,
    # which would give 7.5 instead of 5.
    # Enzyme at baseline: CK 1000/252 = 3.97; ALDOLASE 12/7 = 1.71;
    #   LDH 400/226 = 1.77; AST 60/34 = 1.76; ALT 50/40 = 1.25 -> CK.
    # physician VAS 3.0 -> 2.5:  0.5 / 10 = 5 % exactly    <=5     -> 0
    # parent VAS    4.5 -> 3.0:  1.5 / 10 = 15 % exactly   (5,15]  -> 2.5
    # CMAS          30 -> 35:    5/52 = 9.6 %              (2,10]  -> 10
    # MMT8          50 -> 58:    8/80 = 10 % exactly       (2,10]  -> 10
    # CHAQ        1.05 -> 0.60:  0.45/3 = 15 % exactly     (5,15]  -> 5
    # CK          1000 -> 750:   250/1000 = 25 % exactly   (15,25] -> 5
    # DAS total     12 -> 7:     5/20 = 25 % exactly       (15,25] -> 12.5
    # TIS (CMAS) = 0 + 2.5 + 10 + 5 + 5 + 12.5 = 35 -> minimal
    # TIS (MMT8) = 0 + 2.5 + 10 + 5 + 5 + 12.5 = 35 -> minimal
    {
        "case": "T4_band_edges",
        "covers": "improvements exactly at 5, 15, 25 % (and MMT8 at 10 %) fall in the lower band",
        "baseline": {"physician_global_vas": D("3.0"), "parent_global_vas": D("4.5"), "cmas": 30,
                     "mmt8": 50, "chaq": D("1.05"), "das_total": 12},
        "follow_up": {"physician_global_vas": D("2.5"), "parent_global_vas": D("3.0"), "cmas": 35,
                      "mmt8": 58, "chaq": D("0.60"), "das_total": 7},
        "enzymes_baseline": {"CK": D("1000"), "ALDOLASE": D("12"), "LDH": D("400"), "AST": D("60"),
                             "ALT": D("50")},
        "enzymes_follow_up": {"CK": D("750"), "ALDOLASE": D("8"), "LDH": D("300"), "AST": D("40"),
                              "ALT": D("40")},
        "uln": ULN,
        "expected_enzyme": "CK",
        "expected_points": {"physician_global_vas": D("0"), "parent_global_vas": D("2.5"),
                            "cmas": D("10"), "mmt8": D("10"), "chaq": D("5"),
                            "muscle_enzyme": D("5"), "das_total": D("12.5")},
        "expected_total": {"cmas": D("35"), "mmt8": D("35")},
        "expected_level": {"cmas": "minimal", "mmt8": "minimal"},
    },
    # ------------------------------------------------------------------
    # T5 the most abnormal enzyme is the highest RATIO to ULN, not the highest
    # value: CK is 504 U/L but only 2.0 x ULN; AST is 102 U/L and 3.0 x ULN.
    # Enzyme at baseline: CK 504/252 = 2.0; AST 102/34 = 3.0;
    #   LDH 200/226 = 0.88; ALT 30/40 = 0.75; ALDOLASE 6/7 = 0.86 -> AST.
    # Had CK been taken: (504 - 126) / 504 = 75 % -> 7.5, TIS (CMAS) 47.5 =
    # moderate instead of minimal.
    # physician VAS 5.0 -> 3.8: 1.2 / 10 = 12 %            (5,15]  -> 7.5
    # parent VAS    6.0 -> 5.8: 0.2 / 10 = 2 %             <=5     -> 0
    # CMAS          25 -> 35:   10/52 = 19.2 %             (10,20] -> 20
    # MMT8          55 -> 60:   5/80 = 6.25 %              (2,10]  -> 10
    # CHAQ         1.5 -> 1.2:  0.3/3 = 10 %               (5,15]  -> 5
    # AST          102 -> 90:   12/102 = 11.8 %            (5,15]  -> 2.5
    # DAS total     11 -> 9:    2/20 = 10 %                (5,15]  -> 7.5
    # TIS (CMAS) = 7.5 + 0 + 20 + 5 + 2.5 + 7.5 = 42.5 -> minimal
    # TIS (MMT8) = 7.5 + 0 + 10 + 5 + 2.5 + 7.5 = 32.5 -> minimal
    {
        "case": "T5_most_abnormal_enzyme",
        "covers": "two enzymes elevated: AST (3.0 x ULN) beats CK (2.0 x ULN, higher value)",
        "baseline": {"physician_global_vas": D("5.0"), "parent_global_vas": D("6.0"), "cmas": 25,
                     "mmt8": 55, "chaq": D("1.5"), "das_total": 11},
        "follow_up": {"physician_global_vas": D("3.8"), "parent_global_vas": D("5.8"), "cmas": 35,
                      "mmt8": 60, "chaq": D("1.2"), "das_total": 9},
        "enzymes_baseline": {"CK": D("504"), "ALDOLASE": D("6"), "LDH": D("200"), "AST": D("102"),
                             "ALT": D("30")},
        "enzymes_follow_up": {"CK": D("126"), "ALDOLASE": D("5"), "LDH": D("180"), "AST": D("90"),
                              "ALT": D("25")},
        "uln": ULN,
        "expected_enzyme": "AST",
        "expected_points": {"physician_global_vas": D("7.5"), "parent_global_vas": D("0"),
                            "cmas": D("20"), "mmt8": D("10"), "chaq": D("5"),
                            "muscle_enzyme": D("2.5"), "das_total": D("7.5")},
        "expected_total": {"cmas": D("42.5"), "mmt8": D("32.5")},
        "expected_level": {"cmas": "minimal", "mmt8": "minimal"},
    },
    # ------------------------------------------------------------------
    # T6 CMAS and MMT8 variants reach different levels.
    # Enzyme at baseline: CK 800/252 = 3.17; ALDOLASE 8/7 = 1.14;
    #   LDH 300/226 = 1.33; AST 50/34 = 1.47; ALT 40/40 = 1.0 -> CK.
    # physician VAS 4.0 -> 2.8: 1.2 / 10 = 12 %            (5,15]  -> 7.5
    # parent VAS    5.0 -> 4.0: 1.0 / 10 = 10 %            (5,15]  -> 2.5
    # CMAS          30 -> 46:   16/52 = 30.8 %             > 30    -> 32.5
    # MMT8          60 -> 62:   2/80 = 2.5 %               (2,10]  -> 10
    # CHAQ         1.2 -> 0.9:  0.3/3 = 10 %               (5,15]  -> 5
    # CK           800 -> 500:  300/800 = 37.5 %           (25,40] -> 7.5
    # DAS total     10 -> 8:    2/20 = 10 %                (5,15]  -> 7.5
    # TIS (CMAS) = 7.5 + 2.5 + 32.5 + 5 + 7.5 + 7.5 = 62.5 -> moderate
    # TIS (MMT8) = 7.5 + 2.5 + 10   + 5 + 7.5 + 7.5 = 40   -> minimal
    {
        "case": "T6_cmas_vs_mmt8",
        "covers": "the CMAS variant is moderate, the MMT8 variant minimal, on the same visits",
        "baseline": {"physician_global_vas": D("4.0"), "parent_global_vas": D("5.0"), "cmas": 30,
                     "mmt8": 60, "chaq": D("1.2"), "das_total": 10},
        "follow_up": {"physician_global_vas": D("2.8"), "parent_global_vas": D("4.0"), "cmas": 46,
                      "mmt8": 62, "chaq": D("0.9"), "das_total": 8},
        "enzymes_baseline": {"CK": D("800"), "ALDOLASE": D("8"), "LDH": D("300"), "AST": D("50"),
                             "ALT": D("40")},
        "enzymes_follow_up": {"CK": D("500"), "ALDOLASE": D("7"), "LDH": D("250"), "AST": D("40"),
                              "ALT": D("35")},
        "uln": ULN,
        "expected_enzyme": "CK",
        "expected_points": {"physician_global_vas": D("7.5"), "parent_global_vas": D("2.5"),
                            "cmas": D("32.5"), "mmt8": D("10"), "chaq": D("5"),
                            "muscle_enzyme": D("7.5"), "das_total": D("7.5")},
        "expected_total": {"cmas": D("62.5"), "mmt8": D("40")},
        "expected_level": {"cmas": "moderate", "mmt8": "minimal"},
    },
    # ------------------------------------------------------------------
    # T7 major responder below the maximum, with improvements exactly at the
    # 40 % edge (lower band: 17.5 not 20 for physician VAS, 7.5 not 10 for
    # parent VAS and CHAQ, 15 not 20 for DAS). CHAQ is again a float trap:
    # (1.8 - 0.6) / 3 * 100 = 40.00000000000001 in binary floats (-> 10).
    # Enzyme at baseline: ALDOLASE 21/7 = 3.0; CK 400/252 = 1.59;
    #   LDH 500/226 = 2.21; AST 60/34 = 1.76; ALT 50/40 = 1.25 -> ALDOLASE.
    # physician VAS 5.0 -> 1.0: 4.0 / 10 = 40 % exactly    (25,40] -> 17.5
    # parent VAS    6.0 -> 2.0: 4.0 / 10 = 40 % exactly    (25,40] -> 7.5
    # CMAS          28 -> 46:   18/52 = 34.6 %             > 30    -> 32.5
    # MMT8          58 -> 78:   20/80 = 25 %               (20,30] -> 27.5
    # CHAQ         1.8 -> 0.6:  1.2/3 = 40 % exactly       (25,40] -> 7.5
    # ALDOLASE      21 -> 7:    14/21 = 66.7 %             > 40    -> 7.5
    # DAS total     13 -> 5:    8/20 = 40 % exactly        (25,40] -> 15
    # TIS (CMAS) = 17.5 + 7.5 + 32.5 + 7.5 + 7.5 + 15 = 87.5 -> major
    # TIS (MMT8) = 17.5 + 7.5 + 27.5 + 7.5 + 7.5 + 15 = 82.5 -> major
    {
        "case": "T7_major_with_40pct_edges",
        "covers": "major responder; improvements exactly at 40 % stay in the (25,40] band",
        "baseline": {"physician_global_vas": D("5.0"), "parent_global_vas": D("6.0"), "cmas": 28,
                     "mmt8": 58, "chaq": D("1.8"), "das_total": 13},
        "follow_up": {"physician_global_vas": D("1.0"), "parent_global_vas": D("2.0"), "cmas": 46,
                      "mmt8": 78, "chaq": D("0.6"), "das_total": 5},
        "enzymes_baseline": {"CK": D("400"), "ALDOLASE": D("21"), "LDH": D("500"), "AST": D("60"),
                             "ALT": D("50")},
        "enzymes_follow_up": {"CK": D("150"), "ALDOLASE": D("7"), "LDH": D("220"), "AST": D("30"),
                              "ALT": D("30")},
        "uln": ULN,
        "expected_enzyme": "ALDOLASE",
        "expected_points": {"physician_global_vas": D("17.5"), "parent_global_vas": D("7.5"),
                            "cmas": D("32.5"), "mmt8": D("27.5"), "chaq": D("7.5"),
                            "muscle_enzyme": D("7.5"), "das_total": D("15")},
        "expected_total": {"cmas": D("87.5"), "mmt8": D("82.5")},
        "expected_level": {"cmas": "major", "mmt8": "major"},
    },
    # ------------------------------------------------------------------
    # T8 every enzyme normal at baseline: the most abnormal (highest ratio,
    # here below 1) is still used, with its relative change (our recommended
    # rule; CRITERIA_NOTES.md lists it as an open question).
    # Enzyme at baseline: CK 126/252 = 0.50; ALDOLASE 5/7 = 0.71;
    #   LDH 180/226 = 0.80; AST 30/34 = 0.88; ALT 20/40 = 0.50 -> AST.
    # physician VAS 2.0 -> 0.4: 1.6 / 10 = 16 %            (15,25] -> 15
    # parent VAS    3.0 -> 1.0: 2.0 / 10 = 20 %            (15,25] -> 5
    # CMAS          44 -> 50:   6/52 = 11.5 %              (10,20] -> 20
    # MMT8          72 -> 78:   6/80 = 7.5 %               (2,10]  -> 10
    # CHAQ        0.50 -> 0.25: 0.25/3 = 8.3 %             (5,15]  -> 5
    # AST           30 -> 24:   6/30 = 20 %                (15,25] -> 5
    # DAS total      6 -> 2:    4/20 = 20 %                (15,25] -> 12.5
    # TIS (CMAS) = 15 + 5 + 20 + 5 + 5 + 12.5 = 62.5 -> moderate
    # TIS (MMT8) = 15 + 5 + 10 + 5 + 5 + 12.5 = 52.5 -> moderate
    {
        "case": "T8_enzymes_normal_at_baseline",
        "covers": "all enzymes within normal at baseline: the highest ratio (AST 0.88) is still scored",
        "baseline": {"physician_global_vas": D("2.0"), "parent_global_vas": D("3.0"), "cmas": 44,
                     "mmt8": 72, "chaq": D("0.50"), "das_total": 6},
        "follow_up": {"physician_global_vas": D("0.4"), "parent_global_vas": D("1.0"), "cmas": 50,
                      "mmt8": 78, "chaq": D("0.25"), "das_total": 2},
        "enzymes_baseline": {"CK": D("126"), "ALDOLASE": D("5"), "LDH": D("180"), "AST": D("30"),
                             "ALT": D("20")},
        "enzymes_follow_up": {"CK": D("110"), "ALDOLASE": D("4"), "LDH": D("170"), "AST": D("24"),
                              "ALT": D("18")},
        "uln": ULN,
        "expected_enzyme": "AST",
        "expected_points": {"physician_global_vas": D("15"), "parent_global_vas": D("5"),
                            "cmas": D("20"), "mmt8": D("10"), "chaq": D("5"),
                            "muscle_enzyme": D("5"), "das_total": D("12.5")},
        "expected_total": {"cmas": D("62.5"), "mmt8": D("52.5")},
        "expected_level": {"cmas": "moderate", "mmt8": "moderate"},
    },
    # ------------------------------------------------------------------
    # T9 the chosen enzyme is missing at follow-up: the enzyme component is
    # missing (no switching to another enzyme), so no TIS. Switching to LDH
    # would have scored (452 - 226) / 452 = 50 % -> 7.5 and a TIS of
    # 17.5 + 5 + 20 + 7.5 + 7.5 + 12.5 = 70 in both variants (major).
    # Enzyme at baseline: CK 756/252 = 3.0; LDH 452/226 = 2.0;
    #   ALDOLASE 6/7 = 0.86; AST 30/34 = 0.88; ALT 30/40 = 0.75 -> CK.
    # physician VAS 6.0 -> 3.0: 3.0 / 10 = 30 %            (25,40] -> 17.5
    # parent VAS    5.0 -> 3.0: 2.0 / 10 = 20 %            (15,25] -> 5
    # CMAS          20 -> 30:   10/52 = 19.2 %             (10,20] -> 20
    # MMT8          50 -> 60:   10/80 = 12.5 %             (10,20] -> 20
    # CHAQ         2.0 -> 1.5:  0.5/3 = 16.7 %             (15,25] -> 7.5
    # CK           756 -> missing                                   -> missing
    # DAS total     14 -> 9:    5/20 = 25 % exactly        (15,25] -> 12.5
    # TIS (CMAS) = none; TIS (MMT8) = none
    {
        "case": "T9_chosen_enzyme_missing_at_follow_up",
        "covers": "CK chosen at baseline, no CK at follow-up: component missing, no switch to LDH",
        "baseline": {"physician_global_vas": D("6.0"), "parent_global_vas": D("5.0"), "cmas": 20,
                     "mmt8": 50, "chaq": D("2.0"), "das_total": 14},
        "follow_up": {"physician_global_vas": D("3.0"), "parent_global_vas": D("3.0"), "cmas": 30,
                      "mmt8": 60, "chaq": D("1.5"), "das_total": 9},
        "enzymes_baseline": {"CK": D("756"), "ALDOLASE": D("6"), "LDH": D("452"), "AST": D("30"),
                             "ALT": D("30")},
        "enzymes_follow_up": {"CK": None, "ALDOLASE": D("5"), "LDH": D("226"), "AST": D("25"),
                              "ALT": D("25")},
        "uln": ULN,
        "expected_enzyme": "CK",
        "expected_points": {"physician_global_vas": D("17.5"), "parent_global_vas": D("5"),
                            "cmas": D("20"), "mmt8": D("20"), "chaq": D("7.5"),
                            "muscle_enzyme": None, "das_total": D("12.5")},
        "expected_total": {"cmas": None, "mmt8": None},
        "expected_level": {"cmas": None, "mmt8": None},
    },
    # ------------------------------------------------------------------
    # T10 CMAS missing at follow-up: the CMAS variant has no score, the MMT8
    # variant is scored (the variants are independent). Also edges at 15 %
    # (parent VAS, DAS) and MMT8 at 10 %.
    # Enzyme at baseline: CK 600/252 = 2.38; LDH 339/226 = 1.5;
    #   ALDOLASE 9/7 = 1.29; AST 40/34 = 1.18; ALT 35/40 = 0.88 -> CK.
    # physician VAS 3.0 -> 1.2: 1.8 / 10 = 18 %            (15,25] -> 15
    # parent VAS    4.0 -> 2.5: 1.5 / 10 = 15 % exactly    (5,15]  -> 2.5
    # CMAS          40 -> missing                                   -> missing
    # MMT8          66 -> 74:   8/80 = 10 % exactly        (2,10]  -> 10
    # CHAQ         0.9 -> 0.6:  0.3/3 = 10 %               (5,15]  -> 5
    # CK           600 -> 300:  300/600 = 50 %             > 40    -> 7.5
    # DAS total      9 -> 6:    3/20 = 15 % exactly        (5,15]  -> 7.5
    # TIS (CMAS) = none
    # TIS (MMT8) = 15 + 2.5 + 10 + 5 + 7.5 + 7.5 = 47.5 -> moderate
    {
        "case": "T10_cmas_missing_mmt8_scored",
        "covers": "CMAS missing at follow-up: CMAS variant unscored, MMT8 variant scored",
        "baseline": {"physician_global_vas": D("3.0"), "parent_global_vas": D("4.0"), "cmas": 40,
                     "mmt8": 66, "chaq": D("0.9"), "das_total": 9},
        "follow_up": {"physician_global_vas": D("1.2"), "parent_global_vas": D("2.5"), "cmas": None,
                      "mmt8": 74, "chaq": D("0.6"), "das_total": 6},
        "enzymes_baseline": {"CK": D("600"), "ALDOLASE": D("9"), "LDH": D("339"), "AST": D("40"),
                             "ALT": D("35")},
        "enzymes_follow_up": {"CK": D("300"), "ALDOLASE": D("7"), "LDH": D("250"), "AST": D("30"),
                              "ALT": D("30")},
        "uln": ULN,
        "expected_enzyme": "CK",
        "expected_points": {"physician_global_vas": D("15"), "parent_global_vas": D("2.5"),
                            "cmas": None, "mmt8": D("10"), "chaq": D("5"),
                            "muscle_enzyme": D("7.5"), "das_total": D("7.5")},
        "expected_total": {"cmas": None, "mmt8": D("47.5")},
        "expected_level": {"cmas": None, "mmt8": "moderate"},
    },
    # ------------------------------------------------------------------
    # T11 tie in the baseline ratio: CK 504/252 = 2.0 and LDH 452/226 = 2.0;
    # the tie goes to CK (tie_break_order 1). Nothing else changed: no change
    # is 0 % -> band 1 -> 0 points. Had LDH been taken: (452 - 226) / 452 =
    # 50 % -> 7.5 (TIS 7.5, still none, but the enzyme points differ).
    # Other ratios: ALDOLASE 7/7 = 1.0; AST 34/34 = 1.0; ALT 40/40 = 1.0.
    # physician VAS 2.0 -> 2.0: 0 %  -> 0     parent VAS 3.0 -> 3.0: 0 % -> 0
    # CMAS 45 -> 45: 0 % -> 0                 MMT8 75 -> 75: 0 % -> 0
    # CHAQ 0.5 -> 0.5: 0 % -> 0               DAS total 5 -> 5: 0 % -> 0
    # CK 504 -> 504: 0 / 504 = 0 % -> 0
    # TIS (CMAS) = 0 -> none; TIS (MMT8) = 0 -> none
    {
        "case": "T11_enzyme_ratio_tie",
        "covers": "equal baseline ratios (CK, LDH both 2.0 x ULN): tie_break_order picks CK; no change scores 0",
        "baseline": {"physician_global_vas": D("2.0"), "parent_global_vas": D("3.0"), "cmas": 45,
                     "mmt8": 75, "chaq": D("0.5"), "das_total": 5},
        "follow_up": {"physician_global_vas": D("2.0"), "parent_global_vas": D("3.0"), "cmas": 45,
                      "mmt8": 75, "chaq": D("0.5"), "das_total": 5},
        "enzymes_baseline": {"CK": D("504"), "ALDOLASE": D("7"), "LDH": D("452"), "AST": D("34"),
                             "ALT": D("40")},
        "enzymes_follow_up": {"CK": D("504"), "ALDOLASE": D("7"), "LDH": D("226"), "AST": D("34"),
                              "ALT": D("40")},
        "uln": ULN,
        "expected_enzyme": "CK",
        "expected_points": {"physician_global_vas": D("0"), "parent_global_vas": D("0"),
                            "cmas": D("0"), "mmt8": D("0"), "chaq": D("0"),
                            "muscle_enzyme": D("0"), "das_total": D("0")},
        "expected_total": {"cmas": D("0"), "mmt8": D("0")},
        "expected_level": {"cmas": "none", "mmt8": "none"},
    },
]


# PRINTO clinically inactive disease (Lazarevic et al. 2013): at least 3 of
#   ck_at_most_150               CK <= 150 U/L
#   cmas_at_least_48             CMAS >= 48
#   mmt8_at_least_78             MMT8 >= 78
#   physician_global_at_most_0_2 physician global VAS <= 0.2 cm
# Strict variant (Almeida et al. 2015, P-CID): the same, and physician global
# <= 0.2 must be one of those met. Comparisons include the threshold.
# Missing values (recommended three-valued rule, CRITERIA_NOTES.md):
#   standard: True if met >= 3; False if met + missing < 3; else None.
#   strict:   False if standard is False or the PGA criterion is not met
#             (known to fail); True if standard is True and PGA is met;
#             else None.
# expected_met: True = met, False = not met, None = value missing.
PRINTO_CASES: list[dict] = [
    # P1 CK 80 <= 150 yes; CMAS 52 >= 48 yes; MMT8 80 >= 78 yes; PGA 0.0 <= 0.2 yes
    #    -> 4 met -> inactive; PGA met -> strict inactive.
    {"case": "P1_all_four", "ck": D("80"), "cmas": 52, "mmt8": 80, "physician_global_vas": D("0.0"),
     "expected_met": {"ck_at_most_150": True, "cmas_at_least_48": True, "mmt8_at_least_78": True,
                      "physician_global_at_most_0_2": True},
     "expected_n_met": 4, "expected_printo": True, "expected_printo_pga_required": True},
    # P2 CK 400 <= 150 no; CMAS 50 yes; MMT8 80 yes; PGA 0.1 yes
    #    -> 3 met (all but CK) -> inactive; PGA met -> strict inactive.
    {"case": "P2_fails_ck_only", "ck": D("400"), "cmas": 50, "mmt8": 80, "physician_global_vas": D("0.1"),
     "expected_met": {"ck_at_most_150": False, "cmas_at_least_48": True, "mmt8_at_least_78": True,
                      "physician_global_at_most_0_2": True},
     "expected_n_met": 3, "expected_printo": True, "expected_printo_pga_required": True},
    # P3 CK 100 yes; CMAS 40 >= 48 no; MMT8 79 yes; PGA 0.2 <= 0.2 yes (exactly on the threshold)
    #    -> 3 met (all but CMAS) -> inactive; PGA met -> strict inactive.
    {"case": "P3_fails_cmas_only", "ck": D("100"), "cmas": 40, "mmt8": 79, "physician_global_vas": D("0.2"),
     "expected_met": {"ck_at_most_150": True, "cmas_at_least_48": False, "mmt8_at_least_78": True,
                      "physician_global_at_most_0_2": True},
     "expected_n_met": 3, "expected_printo": True, "expected_printo_pga_required": True},
    # P4 CK 90 yes; CMAS 49 yes; MMT8 70 >= 78 no; PGA 0.0 yes
    #    -> 3 met (all but MMT8) -> inactive; PGA met -> strict inactive.
    {"case": "P4_fails_mmt8_only", "ck": D("90"), "cmas": 49, "mmt8": 70, "physician_global_vas": D("0.0"),
     "expected_met": {"ck_at_most_150": True, "cmas_at_least_48": True, "mmt8_at_least_78": False,
                      "physician_global_at_most_0_2": True},
     "expected_n_met": 3, "expected_printo": True, "expected_printo_pga_required": True},
    # P5 CK 60 yes; CMAS 52 yes; MMT8 80 yes; PGA 1.5 <= 0.2 no
    #    -> 3 met (the three muscle criteria) -> inactive by PRINTO;
    #    PGA not met -> NOT inactive by the strict variant (the variants differ).
    {"case": "P5_fails_pga_only_strict_differs", "ck": D("60"), "cmas": 52, "mmt8": 80,
     "physician_global_vas": D("1.5"),
     "expected_met": {"ck_at_most_150": True, "cmas_at_least_48": True, "mmt8_at_least_78": True,
                      "physician_global_at_most_0_2": False},
     "expected_n_met": 3, "expected_printo": True, "expected_printo_pga_required": False},
    # P6 CK 300 no; CMAS 50 yes; MMT8 70 no; PGA 0.1 yes -> 2 met < 3 -> not inactive;
    #    strict: standard is False -> False (PGA met does not rescue it).
    {"case": "P6_only_two", "ck": D("300"), "cmas": 50, "mmt8": 70, "physician_global_vas": D("0.1"),
     "expected_met": {"ck_at_most_150": False, "cmas_at_least_48": True, "mmt8_at_least_78": False,
                      "physician_global_at_most_0_2": True},
     "expected_n_met": 2, "expected_printo": False, "expected_printo_pga_required": False},
    # P7 every value exactly on its threshold: CK 150 <= 150 yes; CMAS 48 >= 48 yes;
    #    MMT8 78 >= 78 yes; PGA 0.2 <= 0.2 yes -> 4 met -> inactive; strict inactive.
    {"case": "P7_all_exactly_on_threshold", "ck": D("150"), "cmas": 48, "mmt8": 78,
     "physician_global_vas": D("0.2"),
     "expected_met": {"ck_at_most_150": True, "cmas_at_least_48": True, "mmt8_at_least_78": True,
                      "physician_global_at_most_0_2": True},
     "expected_n_met": 4, "expected_printo": True, "expected_printo_pga_required": True},
    # P8 every value one step past its threshold: CK 151 no; CMAS 47 no; MMT8 77 no;
    #    PGA 0.3 no -> 0 met -> not inactive; strict not inactive.
    {"case": "P8_all_just_outside", "ck": D("151"), "cmas": 47, "mmt8": 77, "physician_global_vas": D("0.3"),
     "expected_met": {"ck_at_most_150": False, "cmas_at_least_48": False, "mmt8_at_least_78": False,
                      "physician_global_at_most_0_2": False},
     "expected_n_met": 0, "expected_printo": False, "expected_printo_pga_required": False},
    # P9 CK 150 yes (on threshold); CMAS 47 no; MMT8 78 yes (on threshold); PGA 0.3 no
    #    -> 2 met -> not inactive; strict not inactive.
    {"case": "P9_two_on_threshold_two_just_outside", "ck": D("150"), "cmas": 47, "mmt8": 78,
     "physician_global_vas": D("0.3"),
     "expected_met": {"ck_at_most_150": True, "cmas_at_least_48": False, "mmt8_at_least_78": True,
                      "physician_global_at_most_0_2": False},
     "expected_n_met": 2, "expected_printo": False, "expected_printo_pga_required": False},
    # P10 CK missing; CMAS 50 yes; MMT8 80 yes; PGA 0.0 yes -> 3 met already -> inactive
    #     whatever CK is; PGA met -> strict inactive.
    {"case": "P10_ck_missing_three_met", "ck": None, "cmas": 50, "mmt8": 80, "physician_global_vas": D("0.0"),
     "expected_met": {"ck_at_most_150": None, "cmas_at_least_48": True, "mmt8_at_least_78": True,
                      "physician_global_at_most_0_2": True},
     "expected_n_met": 3, "expected_printo": True, "expected_printo_pga_required": True},
    # P11 CK missing; CMAS 50 yes; MMT8 80 yes; PGA 0.5 no -> 2 met + 1 missing: 3 only if
    #     CK were met -> undetermined (None); strict: PGA known to fail -> False.
    {"case": "P11_ck_missing_undetermined", "ck": None, "cmas": 50, "mmt8": 80,
     "physician_global_vas": D("0.5"),
     "expected_met": {"ck_at_most_150": None, "cmas_at_least_48": True, "mmt8_at_least_78": True,
                      "physician_global_at_most_0_2": False},
     "expected_n_met": 2, "expected_printo": None, "expected_printo_pga_required": False},
    # P12 PGA missing; CK 100 yes; CMAS 50 yes; MMT8 80 yes -> 3 met -> inactive;
    #     strict: PGA unknown -> undetermined (None).
    {"case": "P12_pga_missing", "ck": D("100"), "cmas": 50, "mmt8": 80, "physician_global_vas": None,
     "expected_met": {"ck_at_most_150": True, "cmas_at_least_48": True, "mmt8_at_least_78": True,
                      "physician_global_at_most_0_2": None},
     "expected_n_met": 3, "expected_printo": True, "expected_printo_pga_required": None},
    # P13 CK and MMT8 missing; CMAS 50 yes; PGA 0.0 yes -> 2 met + 2 missing -> None;
    #     strict: PGA met but standard undetermined -> None.
    {"case": "P13_two_missing_undetermined", "ck": None, "cmas": 50, "mmt8": None,
     "physician_global_vas": D("0.0"),
     "expected_met": {"ck_at_most_150": None, "cmas_at_least_48": True, "mmt8_at_least_78": None,
                      "physician_global_at_most_0_2": True},
     "expected_n_met": 2, "expected_printo": None, "expected_printo_pga_required": None},
    # P14 CK and MMT8 missing; CMAS 40 no; PGA 0.5 no -> 0 met + 2 missing = at most 2 < 3
    #     -> not inactive (False), whatever the missing values; strict False.
    {"case": "P14_two_missing_cannot_reach_three", "ck": None, "cmas": 40, "mmt8": None,
     "physician_global_vas": D("0.5"),
     "expected_met": {"ck_at_most_150": None, "cmas_at_least_48": False, "mmt8_at_least_78": None,
                      "physician_global_at_most_0_2": False},
     "expected_n_met": 0, "expected_printo": False, "expected_printo_pga_required": False},
]
