"""Följa upp: the authority's intervention register, quality dialogues, nulägesanalyser and
åtgärdsplaner, with evaluations stored beside the decisions (skollagen 4 kap. 3–7 §§).

``service`` is the interface (functions taking a ``likvard.store.Store``); ``records`` the typed
results; ``rules`` the integrity checks; ``tables`` and migration ``0002_followup`` the storage;
``baseline``, ``evaluate``, ``datapack`` and ``flags`` the figures. Vocabulary (categories of
Skolverket's PM, statuses, roles): ``vocabulary``.
"""

from likvard.followup.rules import FollowupError

__all__ = ["FollowupError"]
