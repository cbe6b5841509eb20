"""The analysis layer between the engines and every renderer (CLI, report, Excel, web app).

Each question has one module with one entry point that takes a :class:`Dataset` (built once from
registers or published files by :mod:`likvard.analyses.dataset`) and :class:`Settings` (the one
set of defaults: interval level, replications, seed, suppression, protected identities) and
returns a typed result (dataclasses of documented DataFrames and scalars; unsuppressed; the views
suppress for display):

- ``composition.composition`` — student mix per school and year;
- ``segregation.analyse_segregation`` — indices with intervals and baseline, decomposition,
  change, each school's contribution; ``residential.residential_and_choice`` — residence vs choice;
- ``comparison.municipal_comparison`` — the nation and similar municipalities (Kolada);
- ``expected.school_effects`` / ``expected.published_expected`` / ``expected.results_trend``;
- ``need.need`` — need index; ``indicators.indicators`` — survey and teachers against need;
- ``placement.compare_scenarios`` (+ ``save_comparison``/``load_comparison``, ``explain_student``);
- ``allocation.compare_models``, ``allocation.teachers``;
- ``overview.run_overview`` — all of the above for the report, with what was left out and why.
"""

from typing import Any

from likvard.analyses.settings import DEFAULTS, Settings

_DATASET = ("Dataset", "dataset_from_authority", "dataset_from_published", "dataset_from_published_folder")


def __getattr__(name: str) -> Any:
    """Dataset names load on first use, so that ``Settings`` can be imported without pandas."""
    if name in _DATASET:
        from likvard.analyses import dataset

        return getattr(dataset, name)
    raise AttributeError(f"module 'likvard.analyses' has no attribute {name!r}")


__all__ = [
    "DEFAULTS",
    "Dataset",
    "Settings",
    "dataset_from_authority",
    "dataset_from_published",
    "dataset_from_published_folder",
]
