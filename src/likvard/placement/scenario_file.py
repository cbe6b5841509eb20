"""Scenario files: placement rules and what-ifs in YAML that a school administrator can read.

Keys are Swedish; schools are named by skolenhetskod or by name. Example (see ``examples/``)::

    läsår: 2024
    årskurs: 0
    replikeringar: 200
    valmodell: skattad            # skattad | observerade val | {distance_km: -1.0, ...}
    urvalsgrunder:                # gäller alla scenarier om de inte säger annat
      kommunala: [syskonförtur, relativ närhet, lottning]
      fristående: [syskonförtur, kötid, lottning]
    scenarier:
      - namn: Nuläge
      - namn: Stäng Centrumskolan
        stäng: [Centrumskolan]

Errors name the file, line and key, and say what was expected (``ScenarioFileError``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from likvard.defaults import N_REPLICATIONS, SEED
from likvard.errors import LikvardError
from likvard.placement.priorities import QUOTA_GROUPS, Quota, Rule, SchoolRules
from likvard.placement.scenarios import BusCards, Market, NewSchool, Scenario

RULE_WORDS = {
    "syskonförtur": "sibling",
    "syskon": "sibling",
    "upptagningsområde": "catchment",
    "relativ närhet": "relative_proximity",
    "närhet": "distance",
    "absolut närhet": "distance",
    "avstånd": "distance",
    "kötid": "queue_date",
    "köplats": "queue_date",
    "lottning": "lottery",
}
MECHANISM_WORDS = {
    "uppskjuten antagning": "deferred_acceptance",
    "omedelbar antagning": "immediate_acceptance",
    "boston": "immediate_acceptance",
    "toppbytescykler": "top_trading_cycles",
    "ttc": "top_trading_cycles",
}
LOTTERY_WORDS = {"gemensam": "single", "en per elev": "single", "per skola": "per_school"}
GROUP_WORDS = {
    "nyanlända": "newly_arrived",
    "eftergymnasial": "post_secondary",
    "ej eftergymnasial": "not_post_secondary",
    "utrikes födda": "foreign_born",
}
ORDER_WORDS = {"reserverade först": "reserved_first", "öppna först": "open_first"}
ORGANISER_WORDS = {"kommunal": "municipal", "kommunala": "municipal", "fristående": "independent", "enskild": "independent"}
TOP_KEYS = {"namn", "läsår", "årskurs", "replikeringar", "frö", "valmodell", "urvalsgrunder", "scenarier",
            "mekanism", "lottning", "antal val", "beskrivning"}
SCENARIO_KEYS = {"namn", "beskrivning", "stäng", "öppna", "platser", "profiler", "upptagningsområden",
                 "busskort", "kvot", "urvalsgrunder", "mekanism", "lottning", "antal val"}


class ScenarioFileError(LikvardError, ValueError):
    """A scenario file that cannot be used; the message says where and why (in Swedish)."""


@dataclass
class ScenarioFile:
    """A parsed scenario file; schools are resolved against a market by ``scenarios_for``."""

    path: str
    school_year: int | None
    grade: int
    n_replications: int
    seed: int
    choice_model: str | dict[str, float]
    raw_scenarios: list[dict[str, Any]]
    base_rules: dict[str, Any] = field(default_factory=dict)
    base: dict[str, Any] = field(default_factory=dict)
    lines: dict[tuple, int] = field(default_factory=dict)
    name: str = ""

    def error(self, path: tuple, message: str) -> ScenarioFileError:
        line = None
        for k in range(len(path), -1, -1):
            if path[:k] in self.lines:
                line = self.lines[path[:k]]
                break
        key = " → ".join(str(p) for p in path) or "(filen)"
        where = f"{self.path}, rad {line}" if line else self.path
        return ScenarioFileError(f"{where}, nyckel '{key}': {message}")

    def scenarios_for(self, market: Market) -> list[Scenario]:
        """The scenarios with schools resolved (by skolenhetskod or name) in ``market``."""
        out = [self._scenario(raw, k, market) for k, raw in enumerate(self.raw_scenarios)]
        names = [s.name for s in out]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise self.error(("scenarier",), f"scenarionamnen måste vara olika; dubbletter: {', '.join(sorted(dup))}")
        return out

    # -- helpers -------------------------------------------------------------------------------

    def _school(self, value: Any, path: tuple, market: Market, extra: dict[str, str] | None = None) -> str:
        """School id from a skolenhetskod or name; ``extra`` = schools opened here (id -> name)."""
        extra = extra or {}
        text = str(value).strip()
        if text in set(market.school_ids) | set(extra):
            return text
        names = {str(n).lower(): sid for n, sid in zip(market.school_names, market.school_ids, strict=True)}
        names.update({n.lower(): sid for sid, n in extra.items()})
        if text.lower() in names:
            return names[text.lower()]
        known = ", ".join(f"{n} ({i})" for i, n in zip(market.school_ids[:8], market.school_names[:8], strict=False))
        raise self.error(path, f"okänd skola '{text}' (årskurs {market.grade} läsåret {market.school_year}); "
                               f"ange skolenhetskod eller namn, t.ex. {known}")

    def _rules(self, value: Any, path: tuple) -> SchoolRules:
        if not isinstance(value, list) or not value:
            raise self.error(path, "förväntade en lista med urvalsgrunder, t.ex. [syskonförtur, relativ närhet, lottning]")
        rules = []
        for k, item in enumerate(value):
            p = (*path, k)
            opts: dict[str, Any]
            if isinstance(item, str):
                word, opts = item, {}
            elif isinstance(item, dict) and len(item) == 1:
                word, opts = next(iter(item.items()))
                opts = opts or {}
                if not isinstance(opts, dict):
                    raise self.error(p, "villkor skrivs som {årskurser: [..], högst avstånd m: ..}")
            else:
                raise self.error(p, f"förväntade en urvalsgrund, fick {item!r}")
            kind = RULE_WORDS.get(str(word).strip().lower())
            if kind is None:
                raise self.error(p, f"okänd urvalsgrund '{word}'; tillåtna: {', '.join(RULE_WORDS)}")
            grades = opts.get("årskurser")
            dist = opts.get("högst avstånd m")
            unknown = set(opts) - {"årskurser", "högst avstånd m"}
            if unknown:
                raise self.error(p, f"okänt villkor {sorted(unknown)}; tillåtna: årskurser, högst avstånd m")
            if grades is not None and (not isinstance(grades, list) or not all(isinstance(g, int) and 0 <= g <= 9 for g in grades)):
                raise self.error((*p, "årskurser"), "förväntade en lista med årskurser 0–9")
            if dist is not None and not isinstance(dist, int | float):
                raise self.error((*p, "högst avstånd m"), f"förväntade ett avstånd i meter, fick {dist!r}")
            rules.append(Rule(kind, tuple(grades) if grades else None, float(dist) if dist is not None else None))
        return SchoolRules(rules)

    def _word(self, table: dict[str, str], value: Any, path: tuple) -> str:
        v = str(value).strip().lower()
        if v not in table:
            raise self.error(path, f"okänt värde '{value}'; tillåtna: {', '.join(table)}")
        return table[v]

    def _int(self, value: Any, path: tuple, low: int = 0) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise self.error(path, f"förväntade ett heltal ≥ {low}, fick {value!r}")
        return value

    def _scenario(self, raw: dict[str, Any], k: int, market: Market) -> Scenario:
        p0 = ("scenarier", k)
        unknown = set(raw) - SCENARIO_KEYS
        if unknown:
            key = min(unknown)
            raise self.error((*p0, key), f"okänd nyckel; tillåtna: {', '.join(sorted(SCENARIO_KEYS))}")
        name = str(raw.get("namn", f"Scenario {k + 1}"))
        merged = {**self.base, **raw}
        sc = Scenario(name=name, description=str(raw.get("beskrivning", "")))
        new_ids: dict[str, str] = {}
        for j, item in enumerate(raw.get("öppna", []) or []):
            p: tuple = (*p0, "öppna", j)
            if not isinstance(item, dict):
                raise self.error(p, "en ny skola anges med namn, skolenhetskod, x, y och platser")
            missing = [key for key in ("namn", "x", "y", "platser") if key not in item]
            if missing:
                raise self.error(p, f"saknar {', '.join(missing)} (x, y i SWEREF99 TM)")
            sid = str(item.get("skolenhetskod", f"ny{k}{j}"))
            for key in ("x", "y"):
                if not isinstance(item[key], int | float):
                    raise self.error((*p, key), f"förväntade en koordinat i meter (SWEREF99 TM), fick {item[key]!r}")
            org = self._word(ORGANISER_WORDS, item.get("huvudman", "kommunal"), (*p, "huvudman"))
            sc.open.append(NewSchool(sid, str(item["namn"]), float(item["x"]), float(item["y"]),
                                     self._int(item["platser"], (*p, "platser")), org, str(item.get("profil", "") or "")))
            new_ids[sid] = str(item["namn"])
        stang = raw.get("stäng", []) or []
        if not isinstance(stang, list):
            raise self.error((*p0, "stäng"), "förväntade en lista med skolor")
        sc.close = [self._school(v, (*p0, "stäng", j), market) for j, v in enumerate(stang)]
        targets: tuple[tuple[str, dict[str, Any]], ...] = (
            ("platser", sc.capacities), ("profiler", sc.profiles), ("upptagningsområden", sc.catchment))
        for key, target in targets:
            val = raw.get(key, {}) or {}
            if not isinstance(val, dict):
                raise self.error((*p0, key), "förväntade skola: värde per rad")
            for school, v in val.items():
                sid = self._school(school, (*p0, key, school), market, new_ids)
                if key == "platser":
                    target[sid] = self._int(v, (*p0, key, school))
                elif key == "profiler":
                    target[sid] = "" if v in (None, False) else str(v)
                else:
                    if not isinstance(v, list):
                        raise self.error((*p0, key, school), "förväntade en lista med områdeskoder (DeSO)")
                    target[sid] = [str(a) for a in v]
        if "busskort" in raw:
            b = raw["busskort"]
            p = (*p0, "busskort")
            if not isinstance(b, dict) or "avståndsfaktor" not in b:
                raise self.error(p, "ange avståndsfaktor (t.ex. 0.5) och gärna grupp och minsta avstånd m")
            f = b["avståndsfaktor"]
            if not isinstance(f, int | float) or not 0 <= f <= 1:
                raise self.error((*p, "avståndsfaktor"), f"förväntade ett tal mellan 0 och 1, fick {f!r}")
            group = self._word(GROUP_WORDS, b["grupp"], (*p, "grupp")) if "grupp" in b else None
            dist = b.get("minsta avstånd m")
            sc.bus_cards = BusCards(float(f), group, float(dist) if dist is not None else None)
        rules: dict[str, SchoolRules] = {}
        for source, path in ((self.base_rules, ("urvalsgrunder",)), (raw.get("urvalsgrunder") or {}, (*p0, "urvalsgrunder"))):
            if not isinstance(source, dict):
                raise self.error(path, "förväntade kommunala:, fristående: eller skolnamn med en lista urvalsgrunder")
            for key, val in source.items():
                kp = (*path, key)
                low = str(key).strip().lower()
                which = ORGANISER_WORDS.get(low) or ("default" if low in ("alla", "standard") else None)
                rules[which or self._school(key, kp, market, new_ids)] = self._rules(val, kp)
        if "kvot" in raw:
            q = raw["kvot"]
            p = (*p0, "kvot")
            if not isinstance(q, dict) or "grupp" not in q or not ({"andel", "platser"} & set(q)):
                raise self.error(p, "ange grupp (t.ex. nyanlända) och andel (0–1) eller platser")
            group = self._word(GROUP_WORDS, q["grupp"], (*p, "grupp"))
            if group not in QUOTA_GROUPS:
                raise self.error((*p, "grupp"), "kvoter kan gälla nyanlända, eftergymnasial, ej eftergymnasial eller utrikes födda")
            order = self._word(ORDER_WORDS, q.get("ordning", "reserverade först"), (*p, "ordning"))
            share = q.get("andel", 0.0)
            if not isinstance(share, int | float) or not 0 <= share <= 1:
                raise self.error((*p, "andel"), f"förväntade en andel mellan 0 och 1, fick {share!r}")
            seats = self._int(q["platser"], (*p, "platser")) if "platser" in q else None
            sc.quota = Quota(group, float(share), seats, order)
            schools = q.get("skolor")
            if schools is not None:
                sc.quota_schools = [self._school(v, (*p, "skolor", j), market, new_ids) for j, v in enumerate(schools)]
        sc.rules = rules
        if "mekanism" in merged:
            sc.mechanism = self._word(MECHANISM_WORDS, merged["mekanism"], (*p0, "mekanism"))
        if "lottning" in merged:
            sc.lottery = self._word(LOTTERY_WORDS, merged["lottning"], (*p0, "lottning"))
        if "antal val" in merged:
            sc.n_choices = self._int(merged["antal val"], (*p0, "antal val"), 1)
        return sc


def _with_lines(node: yaml.Node, path: tuple, lines: dict[tuple, int]) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out = {}
        for k, v in node.value:
            key = yaml.safe_load(yaml.serialize(k)) if not isinstance(k, yaml.ScalarNode) else k.value
            lines[(*path, key)] = k.start_mark.line + 1
            out[key] = _with_lines(v, (*path, key), lines)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_with_lines(v, (*path, k), lines) for k, v in enumerate(node.value)]
    return yaml.safe_load(yaml.serialize(node))


def parse_scenario_text(text: str, source: str = "scenariofil") -> ScenarioFile:
    """Parse scenario YAML (see the module docstring)."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", rad {mark.line + 1}" if mark else ""
        raise ScenarioFileError(f"{source}{where}: filen är inte giltig YAML ({getattr(exc, 'problem', exc)})") from exc
    lines: dict[tuple, int] = {}
    data = _with_lines(node, (), lines) if node is not None else {}
    sf = ScenarioFile(source, None, 0, N_REPLICATIONS, SEED, "skattad", [], lines=lines)
    if not isinstance(data, dict):
        raise sf.error((), "filen ska bestå av nycklar som läsår:, årskurs: och scenarier:")
    unknown = set(data) - TOP_KEYS
    if unknown:
        raise sf.error((min(unknown),), f"okänd nyckel; tillåtna: {', '.join(sorted(TOP_KEYS))}")
    if "läsår" in data:
        sf.school_year = sf._int(data["läsår"], ("läsår",), 1990)
    sf.grade = sf._int(data.get("årskurs", 0), ("årskurs",))
    if sf.grade > 9:
        raise sf.error(("årskurs",), "förväntade en årskurs 0–9")
    sf.n_replications = sf._int(data.get("replikeringar", N_REPLICATIONS), ("replikeringar",), 1)
    sf.seed = sf._int(data.get("frö", SEED), ("frö",))
    model = data.get("valmodell", "skattad")
    if isinstance(model, dict):
        from likvard.placement.choice_model import CONTRACT_FEATURES, EXTRA_FEATURES

        bad = [k for k in model if k not in CONTRACT_FEATURES + EXTRA_FEATURES]
        if bad:
            raise sf.error(("valmodell", bad[0]), f"okänd variabel; tillåtna: {', '.join(CONTRACT_FEATURES + EXTRA_FEATURES)}")
        sf.choice_model = {k: float(v) for k, v in model.items()}
    elif str(model).strip().lower() in ("skattad", "observerade val"):
        sf.choice_model = str(model).strip().lower()
    else:
        raise sf.error(("valmodell",), "förväntade 'skattad', 'observerade val' eller parametrar per variabel")
    sf.base_rules = data.get("urvalsgrunder") or {}
    sf.base = {k: data[k] for k in ("mekanism", "lottning", "antal val") if k in data}
    sf.name = str(data.get("namn", ""))
    scen = data.get("scenarier")
    if scen is None:
        scen = [{"namn": "Nuläge"}]
    if not isinstance(scen, list) or not all(isinstance(s, dict) for s in scen):
        raise sf.error(("scenarier",), "förväntade en lista med scenarier, vart och ett med namn:")
    sf.raw_scenarios = scen
    return sf


def read_scenario_file(path: str | Path) -> ScenarioFile:
    """Read and check a scenario file (schools are checked later, against the data)."""
    p = Path(path)
    if not p.exists():
        raise ScenarioFileError(f"scenariofilen {p} finns inte")
    return parse_scenario_text(p.read_text(encoding="utf-8"), p.name)
