"""The format of Likvärd's intervention catalogue ("Likvärd insatskatalog 1.0").

A Frictionless Tabular Data Package (https://datapackage.org/): ``datapackage.json`` and three
CSV tables (UTF-8, comma-separated, ``..`` as missing value) with Swedish column names:

- ``insatstyper.csv``: one row per intervention type and version (the "insatskort"), primary key
  (``insats_typ_id``, ``version``);
- ``forskningsstod.csv``: research evidence per type (zero or more rows), primary key
  ``evidens_id``, foreign key (``insats_typ_id``, ``version``) to the types;
- ``lokala_utvarderingar.csv``: local evaluations made with Likvärd's evaluation engine, primary
  key ``utvardering_id``, the same foreign key.

``table_schemas()`` gives the three Table Schemas, ``package_descriptor()`` the whole
``datapackage.json``. Rules that a Table Schema cannot state (an effect needs its interval, no
figure on fewer than 10 students, the cost band matches the cost) are checked in
``likvard.catalogue.package``. The evidence strength 0–5 rule and the cost bands are documented
in docs/katalog.md and in ``EVIDENCE_STRENGTH_RULE``/``COST_BANDS`` here.
"""

from __future__ import annotations

from typing import Any

PROFILE = "likvard-insatskatalog/1.0"
MISSING = ".."

CATEGORIES = (
    "Ny- och ombyggnation av skolor",
    "Val av skola och placering av elever",
    "Skolans profil och status",
    "Resursfördelning, stöd och utvecklingsinsatser",
    "Insatser med kompensatorisk prägel",
)
"""The five categories of Skolverket's PM "Kartläggning av huvudmäns arbete med att motverka
skolsegregation" (2018-06-05, Dnr 2018:00332)."""

LEVELS = ("huvudman", "skolenhet", "undervisning")
"""Level in the chain of governance (styrkedjan) where the intervention acts."""

PROBLEMS = (
    "elevsammansättning",
    "trygghet och studiero",
    "undervisningens kvalitet",
    "särskilt stöd",
    "språkutveckling",
    "lärarförsörjning",
    "rektors ledarskap",
    "frånvaro",
    "studiemotivation och framtidstro",
    "fritid och kultur",
    "föräldrasamverkan",
    "skolans status",
)
"""Controlled list for ``adresserar_problem`` (several separated by ``;``)."""

SOURCE_TYPES = ("systematisk översikt", "metaanalys", "RCT", "kvasiexperiment", "utvärdering", "kartläggning")
EDFI_RATINGS = ("Positive Effects", "Potentially Positive Effects", "Mixed Effects", "No Discernible Effects",
                "Potentially Negative Effects", "Negative Effects", "Other")
"""Ed-Fi's InterventionEffectivenessRatingDescriptor vocabulary (Data Standard v6.1.0)."""

DESIGNS = ("sc", "sdid", "did", "cits", "before_after")
"""The designs of ``likvard.evaluation`` (synthetic control, synthetic DiD, staggered DiD,
comparative interrupted time series, descriptive before-after)."""
VERDICTS = ("effekt", "ingen påvisbar effekt", "går inte att avgöra")
ORGANISER_TYPES = ("kommunal", "enskild")
NEED_BANDS = ("lågt", "medel", "högt")
SIZE_BANDS = ("under 200", "200–399", "400–599", "600 och fler")
STUDENT_BANDS = ("under 10", "10–49", "50–99", "100–199", "200–499", "500 och fler")
"""Bands for the fewest students behind a figure of a local evaluation; ``under 10`` means that
every figure of the row is ``..``."""

COST_BANDS = ((1, 0.0, 500.0), (2, 500.0, 1500.0), (3, 1500.0, 5000.0), (4, 5000.0, 15000.0),
              (5, 15000.0, float("inf")))
"""Cost band 1–5 from the cost in kronor per student and year: [low, high)."""

EVIDENCE_STRENGTH_RULE = {
    0: "Inget kvantitativt underlag: beskrivningar, intervjuer eller kartläggningar.",
    1: "En studie med jämförelsegrupp men svag design (t.ex. före–efter med jämförelse utan kontroll för urval).",
    2: "Minst en kvasiexperimentell studie med kontroll för urval (t.ex. syntetisk kontroll, DiD med parallella trender prövade).",
    3: "Flera kvasiexperiment eller ett randomiserat försök, med samstämmiga resultat.",
    4: "Metaanalys eller systematisk översikt av minst fem studier, varav minst ett randomiserat försök, med samstämmiga resultat.",
    5: "Metaanalys eller systematisk översikt av minst tio randomiserade försök efter 1990 med samstämmiga resultat.",
}
"""Evidence strength 0–5 (after the EEF Toolkit's padlocks: quantity, quality, consistency and
recency of the studies)."""

STARTER_PUBLISHER = "se.likvard"
TYPE_ID_PATTERN = r"^[a-z]{2}\.[a-z0-9-]+/insats/[a-z0-9-]+$"
"""``<land>.<organisation>/insats/<slug>``, e.g. ``se.likvard/insats/tvalararsystem``."""

RESOURCES = ("insatstyper", "forskningsstod", "lokala_utvarderingar")
FILES = {name: f"{name}.csv" for name in RESOURCES}


def cost_band(cost: float) -> int:
    """The cost band (1–5) of a cost in kronor per student and year (``COST_BANDS``)."""
    for band, low, high in COST_BANDS:
        if low <= cost < high:
            return band
    raise ValueError(f"Kostnaden {cost} kr per elev och år är negativ.")


def student_band(n: int) -> str:
    """The band (``STUDENT_BANDS``) of a number of students."""
    for label, high in zip(STUDENT_BANDS, (10, 50, 100, 200, 500, None)):
        if high is None or n < high:
            return label
    raise AssertionError("unreachable")


def size_band(n: float) -> str:
    """The school-size band (``SIZE_BANDS``) of a mean number of students per school."""
    for label, high in zip(SIZE_BANDS, (200, 400, 600, None)):
        if high is None or n < high:
            return label
    raise AssertionError("unreachable")


def _enum(values: tuple[str, ...]) -> dict[str, Any]:
    return {"enum": list(values)}


def _list_pattern(values: tuple[str, ...]) -> str:
    alt = "|".join(v.replace("(", r"\(").replace(")", r"\)") for v in values)
    return f"^({alt})(;({alt}))*$"


def _f(name: str, type_: str, description: str, *, required: bool = False, **constraints: Any) -> dict[str, Any]:
    field: dict[str, Any] = {"name": name, "type": type_, "description": description}
    c = dict(constraints)
    if required:
        c["required"] = True
    if c:
        field["constraints"] = c
    return field


_TYPE_KEY = [
    _f("insats_typ_id", "string", "Insatstypens id: <land>.<organisation>/insats/<namn>.", required=True,
       pattern=TYPE_ID_PATTERN),
    _f("version", "integer", "Insatskortets version (1, 2, …).", required=True, minimum=1),
]


def table_schemas() -> dict[str, dict[str, Any]]:
    """The Table Schema of each resource (``RESOURCES``)."""
    types = {
        "fields": [
            *_TYPE_KEY,
            _f("namn", "string", "Insatstypens namn.", required=True, minLength=2),
            _f("beskrivning", "string", "Vad insatsen är."),
            _f("kategori", "string", "En av de fem kategorierna i Skolverkets PM (Dnr 2018:00332).", required=True,
               **_enum(CATEGORIES)),
            _f("styrkedjeniva", "string", "Nivå i styrkedjan där insatsen verkar.", **_enum(LEVELS)),
            _f("arskurser", "string", "Årskurser, t.ex. 4–6 eller F–9.", pattern=r"^(F|[0-9])(–[0-9])?$"),
            _f("malgrupp", "string", "Vilka elever, lärare eller skolor insatsen riktar sig till."),
            _f("adresserar_problem", "string", "Problem ur den kontrollerade listan, åtskilda med semikolon.",
               required=True, pattern=_list_pattern(PROBLEMS)),
            _f("verksamhetslogik", "string", "Hur insatsen tänks leda till resultat."),
            _f("karnkomponenter", "string", "Det som måste finnas med för att det ska vara insatsen."),
            _f("dos", "string", "Omfattning: tid, intensitet, varaktighet."),
            _f("forutsattningar", "string", "Personal, kompetens och annat som krävs."),
            _f("kostnad_kr_per_elev_ar", "number", "Kostnad i kronor per elev och år.", minimum=0),
            _f("kostnadsband", "integer", "Kostnadsband 1–5 (se docs/katalog.md).", minimum=1, maximum=5),
            _f("kontakt_org", "string", "Organisation att kontakta."),
            _f("kalla", "string", "Var insatstypen beskrivs (referens)."),
            _f("licens", "string", "Licens för insatskortet, t.ex. CC-BY-4.0.", required=True),
            _f("uppdaterad", "date", "Senast uppdaterad (ÅÅÅÅ-MM-DD).", required=True),
        ],
        "primaryKey": ["insats_typ_id", "version"],
        "missingValues": [MISSING],
    }
    fk = [{"fields": ["insats_typ_id", "version"],
           "reference": {"resource": "insatstyper", "fields": ["insats_typ_id", "version"]}}]
    evidence = {
        "fields": [
            _f("evidens_id", "string", "Radens id.", required=True, minLength=1),
            *_TYPE_KEY,
            _f("kalla_typ", "string", "Typ av källa.", required=True, **_enum(SOURCE_TYPES)),
            _f("referens", "string", "Fullständig referens, DOI eller URL.", required=True, minLength=10),
            _f("utfallsdoman", "string", "Utfallet som studerats (t.ex. kunskapsresultat, trygghet)."),
            _f("publicerat_varde", "string", "Resultatet ordagrant som det publicerats."),
            _f("effekt_smd", "number", "Standardiserad medelskillnad (SMD)."),
            _f("ki_lag", "number", "Konfidensintervallets nedre gräns (SMD)."),
            _f("ki_hog", "number", "Konfidensintervallets övre gräns (SMD)."),
            _f("ki_niva", "number", "Intervallets nivå, t.ex. 0.95.", minimum=0.5, maximum=0.999),
            _f("antal_studier", "integer", "Antal studier bakom resultatet.", minimum=1),
            _f("evidensstyrka_0_5", "integer", "Evidensstyrka 0–5 enligt regeln i docs/katalog.md.", required=True,
               minimum=0, maximum=5),
            _f("essa_tier", "integer", "ESSA-nivå 1–4.", minimum=1, maximum=4),
            _f("edfi_rating", "string", "Ed-Fi:s effektivitetsbedömning.", **_enum(EDFI_RATINGS)),
            _f("kontextnot", "string", "Land, ålder, skolform och annat som begränsar överförbarheten."),
        ],
        "primaryKey": ["evidens_id"],
        "foreignKeys": fk,
        "missingValues": [MISSING],
    }
    local = {
        "fields": [
            _f("utvardering_id", "string", "Utvärderingens id: <huvudman>/<insats>/<indikator>.", required=True,
               minLength=3),
            *_TYPE_KEY,
            _f("huvudman", "string", "Huvudmannen som gjort utvärderingen.", required=True, minLength=2),
            _f("huvudman_typ", "string", "Kommunal eller enskild huvudman.", required=True, **_enum(ORGANISER_TYPES)),
            _f("antal_skolor", "integer", "Antal skolor med insatsen.", required=True, minimum=1),
            _f("skolor", "string", "Skolenhetskoder (bara om huvudmannen valt att visa dem)."),
            _f("period_start", "integer", "Första läsåret med insatsen (höståret).", required=True, minimum=1990,
               maximum=2100),
            _f("period_slut", "integer", "Sista utvärderade läsåret (höståret).", required=True, minimum=1990,
               maximum=2100),
            _f("design", "string", "Utvärderingsdesign i Likvärd.", required=True, **_enum(DESIGNS)),
            _f("indikator", "string", "Utfallets kod, t.ex. studiero eller merit_value.", required=True,
               pattern=r"^[a-z_0-9]+$"),
            _f("enhet", "string", "Utfallets enhet."),
            _f("baseline", "number", "Medelvärdet på skolorna med insatsen sista läsåret före start."),
            _f("forvantad_effekt", "number", "Förväntad effekt vid beslutet (förregistrerad)."),
            _f("forregistrerad", "date", "Datum då den förväntade effekten registrerades."),
            _f("skattad_effekt", "number", "Skattad effekt (medel över åren efter start, utfallets enhet)."),
            _f("ki_lag", "number", "Intervallets nedre gräns."),
            _f("ki_hog", "number", "Intervallets övre gräns."),
            _f("ki_niva", "number", "Intervallets nivå, t.ex. 0.9.", minimum=0.5, maximum=0.999),
            _f("inferens", "string", "Hur osäkerheten skattats (placebo, konform, randomisering, beskrivande).",
               **_enum(("placebo", "konform", "randomisering", "beskrivande"))),
            _f("permutationsgolv", "number", "Minsta p-värde inferensen kan ge.", minimum=0, maximum=1),
            _f("mde", "number", "Minsta upptäckbara effekt (80 % styrka).", minimum=0),
            _f("rtm_justering", "number", "Förväntad skattning utan insats (återgång mot medelvärdet)."),
            _f("effekt_smd", "number", "Skattad effekt delad med spridningen mellan skolor."),
            _f("utlatande", "string", "Utlåtande.", required=True, **_enum(VERDICTS)),
            _f("inforandegrad", "number", "Andel av kärnkomponenterna som genomförts (0–1).", minimum=0, maximum=1),
            _f("kostnad_faktisk_kr_per_elev", "number", "Faktisk kostnad i kronor per elev och år.", minimum=0),
            _f("behovsband", "string", "Skolornas behov: andel elever utan förälder med eftergymnasial utbildning.",
               **_enum(NEED_BANDS)),
            _f("omradestyp", "string", "Elevernas vanligaste områdestyper (SCB:s 1–5), åtskilda med semikolon.",
               pattern=r"^[1-5](;[1-5])*$"),
            _f("storleksband", "string", "Skolornas storlek (elever per skola).", **_enum(SIZE_BANDS)),
            _f("n_elever_band", "string", "Minsta antal elever bakom en siffra i raden.", required=True,
               **_enum(STUDENT_BANDS)),
            _f("likvard_version", "string", "Likvärds version vid utvärderingen.", required=True),
            _f("data_hash", "string", "SHA-256 av panelen utvärderingen bygger på.", required=True,
               pattern=r"^[0-9a-f]{64}$"),
        ],
        "primaryKey": ["utvardering_id"],
        "foreignKeys": fk,
        "missingValues": [MISSING],
    }
    return {"insatstyper": types, "forskningsstod": evidence, "lokala_utvarderingar": local}


FIGURE_COLUMNS = ("baseline", "forvantad_effekt", "skattad_effekt", "ki_lag", "ki_hog", "mde", "rtm_justering",
                  "effekt_smd", "kostnad_faktisk_kr_per_elev")
"""Columns of ``lokala_utvarderingar`` that are figures resting on students (``..`` under 10)."""


def columns(resource: str) -> list[str]:
    """The column names of ``resource`` in order."""
    return [f["name"] for f in table_schemas()[resource]["fields"]]


def field_types(resource: str) -> dict[str, str]:
    """Column name -> Table Schema type of ``resource``."""
    return {f["name"]: f["type"] for f in table_schemas()[resource]["fields"]}


def package_descriptor(*, publisher: str, title: str, likvard_version: str, created: str,
                       licence: str = "CC-BY-4.0", hashes: dict[str, str] | None = None) -> dict[str, Any]:
    """``datapackage.json`` for a catalogue published by ``publisher``; ``hashes``: resource name
    -> SHA-256 of its CSV file."""
    schemas = table_schemas()
    resources = []
    for name in RESOURCES:
        res: dict[str, Any] = {
            "name": name, "path": FILES[name], "profile": "tabular-data-resource", "format": "csv",
            "mediatype": "text/csv", "encoding": "utf-8", "schema": schemas[name],
            "dialect": {"delimiter": ",", "header": True},
        }
        if hashes and name in hashes:
            res["hash"] = f"sha256:{hashes[name]}"
        resources.append(res)
    return {
        "profile": "tabular-data-package",
        "name": "likvard-insatskatalog",
        "title": title,
        "version": "1.0.0",
        "created": created,
        "licenses": [{"name": licence, "path": f"https://spdx.org/licenses/{licence}.html"}],
        "contributors": [{"title": publisher, "role": "publisher"}],
        "sources": [{"title": "Skolverket (2018). Kartläggning av huvudmäns arbete med att motverka "
                              "skolsegregation. PM, Dnr 2018:00332."}],
        "likvard": {"profil": PROFILE, "utgivare": publisher, "version": likvard_version},
        "resources": resources,
    }
