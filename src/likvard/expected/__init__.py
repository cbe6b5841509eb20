"""Expected results and need.

So far: the need index (``need``), an SCB-style model of each student's risk of not becoming
eligible for upper-secondary school from background, averaged per school.
"""

from likvard.expected.need import NeedModel, fit_need_model, need_index, predict_not_eligible_risk

__all__ = ["NeedModel", "fit_need_model", "need_index", "predict_not_eligible_risk"]
