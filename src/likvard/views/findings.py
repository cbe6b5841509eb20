"""Key findings in Swedish sentences with numbers and intervals, from an overview's results (the
report's first page and the web app's overview). Schools are named only where their figures are
shown (not suppressed)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from likvard.analyses.overview import Overview
from likvard.views.common import format_number, school_year_label


@dataclass(frozen=True)
class Finding:
    """One finding: the question it answers (``topic``) and the sentence(s)."""

    topic: str
    text: str


def _listed(names: list[str], limit: int = 5) -> str:
    """At most ``limit`` names, then how many more."""
    if not names:
        return "ingen"
    if len(names) <= limit:
        return ", ".join(names)
    return ", ".join(names[:limit]) + f" och {len(names) - limit} till"


def _schools(n: int) -> str:
    return "1 skola" if n == 1 else f"{n} skolor"


def _fmt(x: float, d: int = 3) -> str:
    return format_number(x, d)


def _segregation(ov: Overview) -> list[Finding]:
    res = ov.segregation
    if res is None or res.series.empty:
        return []
    p = ov.settings.percent
    h = res.series[res.series["key"] == "theil_h"].sort_values("school_year")
    last = h.iloc[-1]
    ratio = last["value"] / last["baseline"] if last["baseline"] > 0 else float("nan")
    out = [Finding("Hur segregerade är skolorna?",
                   f"Läsåret {school_year_label(int(last['school_year']))} var segregationen mellan skolorna efter "
                   f"föräldrarnas utbildning Theils H = {_fmt(last['value'])} ({p} intervall {_fmt(last['low'])}–"
                   f"{_fmt(last['high'])}), {format_number(ratio, 1)} gånger vad slumpen ensam skulle ge "
                   f"({_fmt(last['baseline'])}). Skillnadsindex D var {_fmt(res.value('dissimilarity')['value'], 2)}: "
                   f"så stor andel av eleverna skulle behöva byta skola för att alla skolor skulle få samma sammansättning.")]
    if len(h) >= 2:
        first = h.iloc[0]
        overlap = not (first["high"] < last["low"] or last["high"] < first["low"])
        direction = "ökat" if last["value"] > first["value"] else "minskat"
        text = (f"Sedan {school_year_label(int(first['school_year']))} har H {direction} från {_fmt(first['value'])} till "
                f"{_fmt(last['value'])}" + (" (intervallen överlappar: skillnaden kan vara slump)." if overlap else "."))
        if res.change is not None:
            parts = {k: v for k, v in res.change.parts.items() if k != "total"}
            biggest = max(parts, key=lambda k: abs(parts[k]))
            from likvard.views.segregation import CHANGE_LABELS

            text += f" Den största delen av förändringen av M kommer från: {CHANGE_LABELS[biggest].lower()}."
        out.append(Finding("Hur har det förändrats?", text))
    return out


def _comparison(ov: Overview) -> list[Finding]:
    res = ov.comparison
    if res is None or res.segregation.empty:
        return []
    h = res.segregation[res.segregation["key"] == "theil_h"].sort_values("school_year").iloc[-1]
    if h["rank"] != h["rank"]:  # NaN: fewer than three school units, not ranked
        return []
    rel = lambda a, b: "högre än" if a > b else "lägre än"  # noqa: E731
    text = (f"Med Skolverkets andelar (eftergymnasialt utbildade föräldrar) är H {_fmt(h['value'])}: {rel(h['value'], h['national'])} "
            f"i riket som helhet ({_fmt(h['national'])}) och {rel(h['value'], h['similar_median'])} medianen för "
            f"{res.k} liknande kommuner ({_fmt(h['similar_median'])}); rang {int(h['rank'])} av "
            f"{int(h['n_municipalities'])} kommuner (1 = mest segregerad).")
    k = res.kpis.set_index("kpi") if len(res.kpis) else None
    if k is not None and "N15428" in k.index:
        e = k.loc["N15428"]
        text += (f" Behörigheten till yrkesprogram var {format_number(e['value'])} % ({int(e['year'])}) mot "
                 f"{format_number(e['similar_median'])} % i liknande kommuner och {format_number(e['all_median'])} % i "
                 "mediankommunen.")
    return [Finding("Jämfört med riket och liknande kommuner", text)]


def _choice(ov: Overview) -> list[Finding]:
    res = ov.residential
    if res is None:
        return []
    last = res.last()
    share = 100 * (last["h_actual"] - last["h_residential"]) / last["h_actual"] if last["h_actual"] > 0 else float("nan")
    return [Finding("Hur mycket kommer från skolvalet?",
                    f"Om varje elev gick i närmaste skola vore H {_fmt(last['h_residential'])} i stället för "
                    f"{_fmt(last['h_actual'])}: skolvalet står för omkring {format_number(share, 0)} % av "
                    "segregationen, boendet för resten.")]


def _shown_names(table: pd.DataFrame, column: str, mask: pd.Series) -> list[str]:
    ok = mask & (table[column].astype(str) != "..")
    return table.loc[ok, "name"].astype(str).tolist()


def _results(ov: Overview, tables: dict[str, pd.DataFrame]) -> list[Finding]:
    p = ov.settings.percent
    if ov.school_effects is not None and "skoleffekter" in tables:
        t = tables["skoleffekter"]
        above = _shown_names(t, "effect", t["verdict"] == "tydligt över förväntan")
        below = _shown_names(t, "effect", t["verdict"] == "tydligt under förväntan")
        return [Finding("Vilka skolor gör bättre eller sämre än väntat?",
                        f"Av {len(t)} skolor med årskurs 9 har {len(above)} ett meritvärde tydligt över vad elevernas "
                        f"bakgrund ger anledning att vänta ({_listed(above)}) och {len(below)} tydligt under "
                        f"({_listed(below)}), sammanvägt över läsåren med {p} intervall.")]
    if ov.published_expected is not None and "forvantat_likvard" in tables:
        t = tables["forvantat_likvard"]
        above = _shown_names(t, "deviation", t["reliably"] == "över")
        below = _shown_names(t, "deviation", t["reliably"] == "under")
        year = ov.published_expected.year
        return [Finding("Vilka skolor gör bättre eller sämre än väntat?",
                        f"Läsåret {school_year_label(year or 0)} låg {_schools(len(above))} tydligt över det meritvärde "
                        f"elevsammansättningen ger anledning att vänta ({_listed(above)}) och {len(below)} "
                        f"tydligt under ({_listed(below)}), enligt Likvärds modell med {p} intervall; "
                        "övriga går inte att skilja från förväntan ett enskilt år.")]
    return []


def _need(ov: Overview, tables: dict[str, pd.DataFrame]) -> list[Finding]:
    out = []
    if ov.need is not None and "behovsindex" in tables:
        t = tables["behovsindex"]
        t = t[t["need_index"].astype(str) != ".."]
        if len(t) >= 2:
            top, bottom = t.iloc[0], t.iloc[-1]
            out.append(Finding("Var är behoven störst?",
                               f"Behovsindex (100 = genomsnittet för {ov.need.reference}) går från "
                               f"{format_number(bottom['need_index'], 0)} ({bottom['name']}) till "
                               f"{format_number(top['need_index'], 0)} ({top['name']}, intervall "
                               f"{format_number(top['need_index_low'], 0)}–{format_number(top['need_index_high'], 0)})."))
    ind = ov.indicators
    if ind is not None and "share_certified" in ind.table:
        from likvard.views.indicators import certification_by_need, indicator_table

        shown = tables.get("indikatorer")
        means = certification_by_need(shown if shown is not None else
                                      indicator_table(ind, ov.dataset, ov.settings).data)
        if means is not None:
            out.append(Finding("Hur är lärarna fördelade?",
                               f"I fjärdedelen skolor med störst behov har {format_number(means[0])} % av lärarna "
                               f"legitimation, mot {format_number(means[1])} % i fjärdedelen med minst behov "
                               f"({school_year_label(ind.year)})."))
    return out


def key_findings(ov: Overview, tables: dict[str, pd.DataFrame]) -> list[Finding]:
    """The findings, in the order a board reads them; ``tables``: the shown (suppressed) tables by
    key, so that no suppressed school is named."""
    return [*_segregation(ov), *_comparison(ov), *_choice(ov), *_results(ov, tables), *_need(ov, tables)]


def overview_findings(ov: Overview) -> list[Finding]:
    """The key findings of an overview alone (the web app's overview page): the shown tables the
    sentences need are built here through the same views as the report's."""
    from likvard.views.expected import effect_tables, published_expected_tables
    from likvard.views.need import need_table

    tables: dict[str, pd.DataFrame] = {}
    if ov.school_effects is not None:
        tables.update({t.key: t.data for t in effect_tables(ov.school_effects, ov.dataset, ov.settings)})
    if ov.published_expected is not None:
        tables.update({t.key: t.data for t in published_expected_tables(ov.published_expected, ov.dataset, ov.settings)})
    if ov.need is not None:
        tables["behovsindex"] = need_table(ov.need, ov.dataset, ov.settings).data
    return key_findings(ov, tables)
