"""Issue 16's attacks, tried on the program's own outputs (report, segregation, forvantat and
fordelning exports) for a planted authority with small schools, small groups and school names
that are formulas. Every attack must find nothing.

The attacker is stronger than any reader: besides every exported sheet, they know every school's
organiser type and area type and the true total number of students of the municipality, of
each organiser type and of each area type (as if all were published)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from scipy.optimize import linprog
from typer.testing import CliRunner

from likvard.cli.main import app
from likvard.tables import AuthorityData

runner = CliRunner()
S = ".."
YEARS = (2023, 2024)
SCHOOLS = [
    # id, name, organiser type, area type, students, share post-secondary, teachers
    ("20000001", "Norrskolan", "municipal", 4, 320, 0.75, 20),
    ("20000002", "Söderskolan", "municipal", 1, 280, 0.30, 18),
    ("20000003", "Östra skolan", "municipal", 3, 250, 0.50, 16),
    ("20000004", "Friskolan Lärkan", "independent", 4, 180, 0.85, 12),
    ("20000005", "Västra skolan", "municipal", 2, 210, 0.40, 14),
    ("20000006", "Lillskolan", "independent", 3, 8, 0.60, 2),       # hidden: 8 students
    ("20000007", "Mellanskolan", "municipal", 1, 25, 0.20, 3),      # the 25 students
    ("20000008", '=HYPERLINK("http://x.example","Klicka")', "independent", 5, 90, 0.90, 6),
    ("20000009", "Bokskolan", "municipal", 2, 60, 0.05, 5),        # ~3 students with post-secondary parents
    ("20000010", "Ekskolan", "independent", 5, 140, 0.97, 9),      # ~4 without
    ("20000011", "Almskolan", "municipal", 1, 190, 0.25, 13),
    ("20000012", "Björkskolan", "municipal", 2, 230, 0.45, 15),
    ("20000013", "Granskolan", "municipal", 3, 170, 0.55, 11),
    ("20000014", "Hasselskolan", "municipal", 4, 260, 0.70, 17),
    ("20000015", "Idegranskolan", "municipal", 5, 150, 0.80, 10),
    ("20000016", "Friskolan Kastanjen", "independent", 1, 120, 0.35, 8),
    ("20000017", "Friskolan Linden", "independent", 2, 110, 0.50, 8),
    ("20000018", "Lönnskolan", "municipal", 3, 200, 0.50, 13),
    ("20000019", "Friskolan Oxeln", "independent", 4, 130, 0.80, 9),
    ("20000020", "Rönnskolan", "municipal", 5, 180, 0.85, 12),
]
NAME = {s[0]: s[1] for s in SCHOOLS}


def planted() -> AuthorityData:
    rng = np.random.default_rng(16)
    schools, students, staff = [], [], []
    k = 0
    for year in YEARS:
        for code, name, org, area, n, p_post, n_teachers in SCHOOLS:
            schools.append(dict(school_id=code, school_year=year, name=name, organiser="Kommunen" if org == "municipal"
                                else name, organiser_type=org, area_type=area, municipality_code="9999",
                                x=500000.0 + 900 * int(code[-2:]), y=6600000.0 + 700 * int(code[-1]),
                                grade_min=0, grade_max=9, profile=""))
            n_y = n if n < 30 else n + int(rng.integers(-10, 10))
            for i in range(n_y):
                k += 1
                edu = "post_secondary" if rng.random() < p_post else "upper_secondary"
                if rng.random() < 0.04:
                    edu = "unknown"
                grade = 9 if i % 4 == 0 else int(rng.integers(0, 9))
                merit = float(np.clip(rng.normal(200 + 60 * (edu == "post_secondary"), 40), 0, 340))
                protected = rng.random() < 0.01
                students.append(dict(
                    student_id=f"s{k}", school_year=year, school_id=code, grade=grade, sex=rng.choice(["F", "M"]),
                    parent_education=edu, migration_background=rng.choice(["swedish", "foreign_born"], p=[0.7, 0.3]),
                    newly_arrived=bool(rng.random() < 0.03),
                    home_x=np.nan if protected else 500000.0 + rng.normal(0, 3000),
                    home_y=np.nan if protected else 6600000.0 + rng.normal(0, 3000),
                    protected_identity=protected,
                    merit_value=merit if grade == 9 else np.nan, eligible=bool(merit > 160) if grade == 9 else None))
            for t in range(n_teachers):
                staff.append(dict(staff_id=f"{code}-{t}", school_year=year, school_id=code,
                                  certified=bool(rng.random() < 0.7), lead_teacher=bool(rng.random() < 0.1), fte=1.0,
                                  experience_years=float(rng.integers(0, 30))))
    areas = pd.DataFrame([dict(area_id=f"A{code}", name=f"Område {code}", area_type=area,
                               x=500000.0 + 900 * int(code[-2:]), y=6600000.0 + 700 * int(code[-1]))
                          for code, _, _, area, *_ in SCHOOLS])  # each school in an area of its type
    return AuthorityData(schools=pd.DataFrame(schools), students=pd.DataFrame(students), staff=pd.DataFrame(staff),
                         areas=areas, name="Planterad kommun")


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    """Every export of the planted authority, as xlsx (and the segregation export also as csv)."""
    from likvard.store import open_store

    root = tmp_path_factory.mktemp("attack")
    db = root / "planted.db"
    data = planted()
    store = open_store(db)
    store.save_authority_data(data, source="planterad")
    store.close()
    model = Path(__file__).resolve().parents[1] / "src" / "likvard" / "allocation" / "examples" / "bakgrundsvikter.yaml"
    runs = {
        "rapport": ["rapport", "--db", str(db), "--ut", str(root / "rapport"), "--replikat", "20"],
        "segregation": ["segregation", "--db", str(db), "--ut", str(root / "seg"), "--format", "xlsx",
                        "--replikat", "20"],
        "segregation_csv": ["segregation", "--db", str(db), "--ut", str(root / "segcsv"), "--format", "csv",
                            "--replikat", "20"],
        "forvantat": ["forvantat", "skoleffekter", "--db", str(db), "--ut", str(root / "forv"), "--format", "xlsx",
                      "--replikat", "20"],
        "fordelning": ["fordelning", "berakna", str(model), "--db", str(db), "--ut", str(root / "ford"),
                       "--format", "xlsx"],
        "larare": ["fordelning", "larare", "--db", str(db), "--ut", str(root / "lar"), "--format", "xlsx"],
    }
    for name, args in runs.items():
        res = runner.invoke(app, args)
        assert res.exit_code == 0, (name, res.output)
    return root, data


def sheets(path: Path) -> dict[str, pd.DataFrame]:
    """Every sheet as a frame of raw cell values (header row = the Swedish headers)."""
    wb = load_workbook(path)
    out = {}
    for ws in wb:
        if ws.title == "Innehåll":
            continue
        rows = [[c.value for c in row] for row in ws.iter_rows()]
        out[ws.title] = pd.DataFrame(rows[1:], columns=rows[0])
    return out


def xlsx_files(root: Path) -> list[Path]:
    return sorted(root.rglob("*.xlsx"))


def num(v):
    return None if v is None or v == S or isinstance(v, str) else float(v)


def interval_widths(shown: dict, hidden: list, totals: dict) -> dict:
    """Attacker's interval of each hidden school's students: min and max subject to the totals
    (each the sum over its schools), the shown counts fixed, non-negativity."""
    keys = sorted(set(shown) | set(hidden))
    pos = {k: i for i, k in enumerate(keys)}
    a, b = [], []
    for k, v in shown.items():
        row = np.zeros(len(keys))
        row[pos[k]] = 1
        a.append(row)
        b.append(v)
    for members, total in totals.values():
        row = np.zeros(len(keys))
        for m in members:
            if m in pos:
                row[pos[m]] = 1
        a.append(row)
        b.append(total)
    out = {}
    for h in hidden:
        c = np.zeros(len(keys))
        c[pos[h]] = 1
        lo = linprog(c, A_eq=np.array(a), b_eq=np.array(b), bounds=(0, None), method="highs")
        hi = linprog(-c, A_eq=np.array(a), b_eq=np.array(b), bounds=(0, None), method="highs")
        out[h] = (lo.fun, np.inf if hi.status == 3 else -hi.fun)
    return out


def test_no_formula_in_any_export(outputs):
    root, _ = outputs
    files = xlsx_files(root)
    assert len(files) >= 5
    for path in files:
        wb = load_workbook(path)
        live = [(ws.title, c.coordinate) for ws in wb for row in ws.iter_rows() for c in row if c.data_type == "f"]
        assert live == [], path
    names = [c.value for path in files for ws in load_workbook(path) for row in ws.iter_rows() for c in row
             if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert names and all(v.startswith("'=") for v in names)
    csvs = sorted((root / "segcsv").glob("*.csv"))
    assert csvs
    for path in csvs:
        with open(path, encoding="utf-8-sig", newline="") as f:
            for row in csv.reader(f, delimiter=";"):
                for cell in row:
                    assert not cell.startswith(("=", "+", "@", "\t", "\r")), (path, cell)
                    if cell.startswith("-"):
                        float(cell.replace(",", "."))


def test_totals_by_area_and_organiser_type_minus_visible_schools(outputs):
    root, data = outputs
    t = sheets(root / "rapport" / "nulagesrapport.xlsx")["elevsammansattning"]
    info = data.schools.drop_duplicates("school_id").set_index("school_id")
    st = data.students
    for year in YEARS:
        label = f"{year}/{(year + 1) % 100:02d}"
        rows = t[t["Läsår"] == label]
        shown = {r["Skolenhetskod"]: num(r["Antal elever"]) for _, r in rows.iterrows() if num(r["Antal elever"]) is not None}
        hidden = [r["Skolenhetskod"] for _, r in rows.iterrows() if num(r["Antal elever"]) is None]
        assert "20000006" in hidden  # Lillskolan, 8 students
        n = st[st["school_year"] == year].groupby("school_id").size()
        totals = {"all": (list(n.index), float(n.sum()))}
        for col in ("organiser_type", "area_type"):
            for g, idx in info[col].groupby(info[col]).groups.items():
                totals[(col, g)] = (list(idx), float(n.reindex(idx).fillna(0).sum()))
        for h, (lo, hi) in interval_widths(shown, hidden, totals).items():
            assert hi - lo >= 6, (year, NAME[h], lo, hi)


def test_share_times_students_never_gives_one_to_nine(outputs):
    root, _ = outputs
    t = sheets(root / "rapport" / "nulagesrapport.xlsx")["elevsammansattning"]
    checked = 0
    for _, r in t.iterrows():
        n = num(r["Antal elever"])
        for col in [c for c in t.columns if c.startswith("Andel")]:
            share = num(r[col])
            if n is None or share is None:
                continue
            k = round(share * n / 100)
            checked += 1
            assert not (1 <= k <= 9 or 1 <= n - k <= 9), (r["Skola"], col, share, n)
    assert checked > 20
    bok = t[t["Skola"] == "Bokskolan"]
    assert (bok["Andel föräldrar med eftergymnasial utbildning (%)"] == S).all()


SORTED = {"behovsindex": "Behovsindex", "skoleffekter": "Skoleffekt (meritpoäng)",
          "skolornas_bidrag": "Andel av total segregation (%)"}


def test_sorted_tables_put_hidden_rows_last_by_name(outputs):
    root, _ = outputs
    found = 0
    for path in xlsx_files(root):
        for key, frame in sheets(path).items():
            if key not in SORTED:
                continue
            value_col = SORTED[key]
            found += 1
            hidden = frame[value_col] == S
            assert hidden.any(), (path.name, key)
            first_hidden = int(np.argmax(hidden.to_numpy()))
            assert hidden.iloc[first_hidden:].all(), (path.name, key)  # hidden rows last
            names = frame.loc[hidden, "Skola"].astype(str).str.lstrip("'").str.casefold().tolist()
            assert names == sorted(names), (path.name, key)  # by name, not by their hidden value
            shown = pd.to_numeric(frame.loc[~hidden, value_col])
            assert shown.is_monotonic_decreasing, (path.name, key)
    assert found >= 5


def test_table_differences_reveal_no_group(outputs):
    root, _ = outputs
    rep = sheets(root / "rapport" / "nulagesrapport.xlsx")
    seg = sheets(root / "seg" / "segregation.xlsx")
    comp = rep["elevsammansattning"]
    last = comp[comp["Läsår"] == "2024/25"].set_index("Skolenhetskod")["Antal elever"]
    contrib = seg["skolornas_bidrag"].set_index("Skolenhetskod")["Antal elever"]
    for sid, v in contrib.items():  # unknown parental education = composition minus contributions
        assert v == last[sid], sid
    for frames in (rep, seg):
        for key, frame in frames.items():
            if key.startswith("boende_och_skolval"):
                assert "Antal elever" not in frame  # segregation minus it = students with protected identity


def test_expected_exports_hide_n_behind_standard_errors_and_years(outputs):
    root, _ = outputs
    f = sheets(root / "forv" / "forvantat.xlsx")
    pooled = f["skoleffekter"].set_index("Skolenhetskod")
    yearly = f["skoleffekter_per_lasar"]
    assert (pooled.loc["20000006", ["Antal elever", "Skoleffekt (meritpoäng)"]] == S).all()
    for _, r in yearly.iterrows():
        if r["Medelfel"] != S:
            assert num(r["Antal elever"]) is not None and num(r["Antal elever"]) >= 10
    for sid, g in yearly.groupby("Skolenhetskod"):
        n = [num(v) for v in g["Antal elever"]]
        if pooled.loc[sid, "Antal elever"] == S:
            assert all(v is None for v in n), NAME[sid]
            continue
        hidden = [v for v in n if v is None]
        if hidden:
            rest = float(pooled.loc[sid, "Antal elever"]) - sum(v for v in n if v is not None)
            assert len(hidden) >= 2 and rest >= 6, NAME[sid]  # pooled minus the shown years


def test_fordelning_hides_small_schools_and_their_amounts(outputs):
    root, _ = outputs
    m = sheets(root / "ford" / "fordelning.xlsx")["modell_1"].set_index("Skolenhetskod")
    for col in ("Antal elever", "Behovsindex", "Behovsenheter", "Grundbelopp (kr)", "Kompensatoriskt belopp (kr)",
                "Totalt belopp (kr)", "Belopp per elev (kr)"):
        assert m.loc["20000006", col] == S, col
    shown = [num(v) for v in m["Antal elever"] if num(v) is not None]
    assert shown and min(shown) >= 10
    assert (m["Antal elever"] == S).sum() >= 2  # the total budget minus the shown schools is not one school


def test_fordelning_larare_hides_certification_of_few_teachers(outputs):
    root, data = outputs
    t = sheets(root / "lar" / "lararfordelning.xlsx")["lararfordelning"]
    for sid in ("20000006", "20000007"):  # 2 and 3 teachers
        rows = t[t["Skolenhetskod"] == sid]
        assert len(rows) and (rows["Andel legitimerade lärare"] == S).all()
        assert (rows["Legitimerade lärare (heltidstjänster)"] == S).all()
    big = t[t["Skolenhetskod"] == "20000001"]
    assert (big["Andel legitimerade lärare"] != S).all()
