"""Förstärka: compensatory resource allocation and teacher distribution against need.

- ``model``: the allocation model (base amounts, compensatory pot, need weights, floors, caps,
  transition limit), read from a readable YAML file.
- ``compute``: each school's amount for a model, exact to the krona.
- ``equity``: how strongly money follows need (concentration index, compensation ratio).
- ``teachers``: certified teachers, lead teachers, experience and turnover against need.
"""

from likvard.allocation.compute import (
    SchoolInputs,
    allocate,
    allocate_pot_variants,
    school_inputs,
)
from likvard.allocation.equity import (
    compensation_ratio,
    concentration_curve,
    concentration_index,
)
from likvard.allocation.model import AllocationModel, load_model, parse_model
from likvard.allocation.teachers import teacher_distribution, teacher_gaps

__all__ = [
    "AllocationModel",
    "SchoolInputs",
    "allocate",
    "allocate_pot_variants",
    "compensation_ratio",
    "concentration_curve",
    "concentration_index",
    "load_model",
    "parse_model",
    "school_inputs",
    "teacher_distribution",
    "teacher_gaps",
]
