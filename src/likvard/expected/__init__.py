"""Expected results and need.

- ``need``: the need index, an SCB-style model of each student's risk of not becoming eligible for
  upper-secondary school from background, averaged per school (mean 100).
- ``need_published``: a need index from published composition, and where need measures disagree.
- ``area_type``: SCB's socioeconomic area type of RegSO areas.
- ``school_level``: expected results of school units from published composition (an open,
  extended SALSA) with deviations and their standard errors.
- ``multilevel``: the REML random-intercept estimator; ``student_level``: expected merit and
  eligibility per student, variance between schools, composition effect.
- ``shrinkage``: school effects pooled over years with empirical-Bayes intervals; ``succeed``:
  schools that succeed despite challenges.
"""

from likvard.expected.multilevel import RandomInterceptFit, fit_random_intercept
from likvard.expected.need import (
    NeedModel,
    fit_need_model,
    need_index,
    predict_not_eligible_risk,
)
from likvard.expected.school_level import (
    SchoolModel,
    cross_fitted,
    expected_results,
    fit_school_model,
    fit_share_model,
)

__all__ = [
    "NeedModel",
    "RandomInterceptFit",
    "SchoolModel",
    "cross_fitted",
    "expected_results",
    "fit_need_model",
    "fit_random_intercept",
    "fit_school_model",
    "fit_share_model",
    "need_index",
    "predict_not_eligible_risk",
]
