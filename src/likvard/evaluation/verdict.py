"""The verdict and its reason in Swedish.

- Descriptive before-after: always "går inte att avgöra" (no comparison group).
- The treated schools' pre-period level lies below (or above) every comparison school's: the
  comparison cannot resemble them (Abadie 2021, the convex-hull requirement), so "går inte att
  avgöra" whatever the interval says.
- The inference's floor is above 1 - level (too few years or comparison schools for the p-value
  to reach the level), or the interval cannot be bounded: "går inte att avgöra".
- The interval (after subtracting the expected change from regression to the mean) excludes 0:
  "effekt".
- Otherwise, when the authority's expected effect is smaller than the minimum detectable
  effect: "går inte att avgöra"; else "ingen påvisbar effekt".
"""

from __future__ import annotations

from likvard.text import format_number


def amount(value: float, outcome: str, signed: bool = False) -> str:
    """A figure in the outcome's unit: shares (0-1) in percentage points, merit in points."""
    if outcome.startswith("share"):
        text, unit = format_number(100.0 * value, 1), "procentenheter"
    else:
        text, unit = format_number(value, 1), "poäng" if "merit" in outcome else "enheter"
    if signed and value > 0:
        text = "+" + text
    return f"{text} {unit}"


def decide(*, design: str, outside: str | None = None, outcome: str, level: float, estimate: float, ci_low: float | None,
           ci_high: float | None, floor: float | None, floor_basis: str, mde: float | None,
           expected_effect: float | None, rtm: float | None) -> tuple[str, str]:
    """(verdict, reason) by the rules of the module docstring; the interval given is the one the
    verdict rests on (adjusted for regression to the mean when ``rtm`` is given)."""
    pct = format_number(100 * level, 0)
    alpha = 1.0 - level
    if design == "before_after":
        return ("går inte att avgöra",
                ("Beskrivande jämförelse före och efter utan jämförelseskolor: den visar förändringen "
                f"({amount(estimate, outcome, True)}) men inte vad insatsen gjorde."))
    if outside is not None:
        where = "lägre" if outside == "below" else "högre"
        return ("går inte att avgöra",
                (f"De behandlade skolornas resultat före start ligger {where} än alla jämförelseskolors, så ingen "
                "jämförelse liknar dem; skillnaden efter start kan lika gärna bero på att sådana skolor utvecklas "
                "annorlunda (och på återgång mot medelvärdet)."))
    if floor is not None and floor > alpha + 1e-12:
        return ("går inte att avgöra",
                (f"p-värdet kan inte bli lägre än {format_number(floor, 2)} med {floor_basis}, så en effekt "
                f"kan inte påvisas på nivån {pct} %."))
    if ci_low is None or ci_high is None:
        return ("går inte att avgöra", f"{pct} %-intervallet kan inte avgränsas med så få jämförelser.")
    rtm_text = ""
    if rtm is not None and abs(rtm) >= 0.05:
        rtm_text = f", efter avdrag för förväntad återgång mot medelvärdet ({amount(rtm, outcome, True)})"
    interval = f"{amount(ci_low, outcome)} till {amount(ci_high, outcome)}"
    if ci_low > 0 or ci_high < 0:
        direction = "positiv" if ci_low > 0 else "negativ"
        return ("effekt", f"En {direction} effekt: {pct} %-intervallet {interval}{rtm_text} innehåller inte noll.")
    if expected_effect is not None and mde is not None and mde > abs(expected_effect):
        return ("går inte att avgöra",
                (f"minsta upptäckbara effekt {amount(mde, outcome)} är större än den förväntade effekten "
                f"{amount(abs(expected_effect), outcome)}; {pct} %-intervallet {interval}{rtm_text} innehåller noll."))
    tail = f"; effekter mindre än {amount(mde, outcome)} (minsta upptäckbara effekt) kan inte uteslutas" if mde else ""
    return ("ingen påvisbar effekt", f"{pct} %-intervallet {interval}{rtm_text} innehåller noll{tail}.")
