"""Expected results and need.

- ``need``: the need index, an SCB-style model of each student's risk of not becoming eligible for
  upper-secondary school from background, averaged per school (mean 100).
- ``school_level``: expected merit values of school units from published composition (an open,
  extended SALSA) with deviations and their standard errors.
"""

from likvard.expected.need import NeedModel, fit_need_model, need_index, predict_not_eligible_risk
from likvard.expected.school_level import SchoolModel, expected_results, fit_school_model

__all__ = [
    "NeedModel",
    "SchoolModel",
    "expected_results",
    "fit_need_model",
    "fit_school_model",
    "need_index",
    "predict_not_eligible_risk",
]
