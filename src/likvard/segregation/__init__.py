"""Segregation engine: relational indices, decomposition, uncertainty, change and counterfactuals.

Entry points (pure functions on count tables: rows = school units, columns = groups; options are
keyword-only, with the shared names and defaults of ``likvard.defaults``):

* ``indices(counts)``            all indices (``likvard.segregation.indices``)
* ``ordinal_information(counts)`` Reardon's ordinal index for ordered groups
* ``decompose(counts, by)``      M and H into between/within parts
* ``local_scores(counts)``, ``contributions(counts)``  each school's local score and share of M
* ``bootstrap(counts, n_replications=, seed=)``, ``random_baseline(counts, n_replications=, seed=)``,
  ``expected_m_random(counts)`` (exact)
* ``change(before, after)``      decomposition of the change in M and H (Elbers 2023, his weights);
  ``change_bootstrap`` its standard errors
"""

from likvard.segregation.change import change, change_bootstrap
from likvard.segregation.decomposition import decompose
from likvard.segregation.indices import indices
from likvard.segregation.inference import bootstrap, expected_m_random, random_baseline
from likvard.segregation.local import contributions, local_scores
from likvard.segregation.ordinal import ordinal_information

__all__ = [
    "bootstrap",
    "change",
    "change_bootstrap",
    "contributions",
    "decompose",
    "expected_m_random",
    "indices",
    "local_scores",
    "ordinal_information",
    "random_baseline",
]
