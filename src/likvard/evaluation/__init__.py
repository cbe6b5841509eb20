"""Effect evaluation: did an intervention at a few schools work?

``evaluate`` chooses a design for the panel and the treated schools, estimates the effect with
placebo-based uncertainty, subtracts the change expected from regression to the mean and writes
a verdict in Swedish (``effekt``, ``ingen påvisbar effekt``, ``går inte att avgöra``);
``minimum_detectable_effect`` gives, before the decision, the smallest effect the chosen design
could detect. Designs (one module each): synthetic control with in-space and in-time placebos
and leave-one-out (``synthetic_control``, ``placebo``), conformal inference (``conformal``),
synthetic difference-in-differences (``sdid``), staggered difference-in-differences
(``staggered``), comparative interrupted time series (``cits``) and a descriptive before-after
comparison. ``panel`` validates the input and builds school panels from an authority's tables.
"""

from likvard.evaluation.cits import cits_effects
from likvard.evaluation.conformal import conformal_sc
from likvard.evaluation.evaluate import evaluate
from likvard.evaluation.mde import MDEResult, minimum_detectable_effect
from likvard.evaluation.panel import build_panel
from likvard.evaluation.placebo import placebo_inference, rmspe_ratio_pvalue
from likvard.evaluation.result import VERDICTS, EvaluationResult
from likvard.evaluation.school_panel import OUTCOMES, authority_panel
from likvard.evaluation.sdid import sdid_fit, sdid_placebo
from likvard.evaluation.staggered import callaway_santanna
from likvard.evaluation.synthetic_control import fit_sc, nested_v_weights, sc_weights

__all__ = [
    "OUTCOMES",
    "VERDICTS",
    "EvaluationResult",
    "MDEResult",
    "authority_panel",
    "build_panel",
    "callaway_santanna",
    "cits_effects",
    "conformal_sc",
    "evaluate",
    "fit_sc",
    "minimum_detectable_effect",
    "nested_v_weights",
    "placebo_inference",
    "rmspe_ratio_pvalue",
    "sc_weights",
    "sdid_fit",
    "sdid_placebo",
]
