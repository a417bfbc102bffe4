"""Children's weight and height by age (approximate UK median growth curves).

Steroid doses in mg are derived from weight and cyclophosphamide doses in mg
from body-surface area, so both visits and medications read the same curves.
"""

from __future__ import annotations

import numpy as np

_AGES = np.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 20], dtype=float)
# Median height (cm) and weight (kg), girls then boys.
_HEIGHT = {
    "F": [50, 74.5, 86, 95, 102.5, 109.5, 116, 122, 128, 133.5, 139, 145, 151.5, 156.5, 160, 161.5, 162.5, 163, 163.5, 164],
    "M": [51, 76, 87.5, 96, 103.5, 110.5, 117, 123, 129, 134.5, 139.5, 144.5, 150, 156.5, 163.5, 169.5, 173.5, 175.5, 176.5, 177],
}
_WEIGHT = {
    "F": [3.3, 9.2, 11.8, 14, 16, 18.2, 20.5, 23, 26, 29, 32.5, 37, 41.5, 46, 50, 53, 55, 56.5, 57.5, 59],
    "M": [3.5, 9.8, 12.5, 14.5, 16.5, 18.7, 21, 23.5, 26, 29, 32, 35.5, 40, 45, 51, 56.5, 61, 64.5, 67, 70],
}
HEIGHT_CV = 0.04  # one height z-score moves height by about 4 %
WEIGHT_LOG_SD = 0.15  # and weight varies about 15 % on top of that


def height_cm(age_years: np.ndarray, is_male: np.ndarray, height_z: np.ndarray) -> np.ndarray:
    """Expected height for age, sex and the child's own height z-score."""
    median = np.where(is_male, np.interp(age_years, _AGES, _HEIGHT["M"]), np.interp(age_years, _AGES, _HEIGHT["F"]))
    return median * (1 + HEIGHT_CV * height_z)


def weight_kg(age_years: np.ndarray, is_male: np.ndarray, height_z: np.ndarray, weight_z: np.ndarray) -> np.ndarray:
    """Expected weight for age, sex, height z-score and the child's weight z-score."""
    median = np.where(is_male, np.interp(age_years, _AGES, _WEIGHT["M"]), np.interp(age_years, _AGES, _WEIGHT["F"]))
    # Weight scales roughly with height cubed over the small z range used here.
    return median * (1 + HEIGHT_CV * height_z) ** 3 * np.exp(WEIGHT_LOG_SD * weight_z)


def body_surface_area(height: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Mosteller body-surface area in m2, as the extract spec converts mg/m2."""
    return np.sqrt(height * weight / 3600.0)
