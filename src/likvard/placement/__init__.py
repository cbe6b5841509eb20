"""Placement simulator: choice mechanisms, Swedish priority rules, distances, scenarios."""

from likvard.placement.mechanisms import assign

__all__ = ["assign"]
