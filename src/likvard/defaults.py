"""The shared options of every engine, with their one default each.

Every engine function that draws random numbers, gives an interval or reports M in a unit of
information takes these options under these names, keyword-only, with these defaults:

* ``n_replications`` — replications of a bootstrap, a random-allocation baseline, coefficient
  draws or a lottery simulation: ``N_REPLICATIONS = 200``. Percentile intervals at 90 % rest on
  20 replications in each tail at 200, which keeps a report run short; ask for 1,000 or more when
  the interval's end points themselves are compared.
* ``level`` — the coverage of every interval, a share strictly between 0 and 1:
  ``LEVEL = 0.90`` (the 90 % level Skolverket's SALSA uses for "reliably above/below").
* ``seed`` — a non-negative integer for ``numpy.random.SeedSequence``: ``SEED = 2026``. The same
  seed gives the same numbers on any number of threads and workers.
* ``log_base`` — the base of the logarithm in M and the group entropy E: ``LOG_BASE = e``
  (nats, as Theil 1971 and Elbers' R package ``segregation``); 2 gives bits. H = M / E and every
  other index are unitless.

The analysis layer, the command line and the report take their defaults from here, so the same
question gives the same figure everywhere.
"""

from __future__ import annotations

import math
from typing import Final

N_REPLICATIONS: Final = 200
LEVEL: Final = 0.90
SEED: Final = 2026
LOG_BASE: Final = math.e

__all__ = ["LEVEL", "LOG_BASE", "N_REPLICATIONS", "SEED"]
