"""The data packs of the quality dialogues hide what the published tables of the same data hide.

A school of 7 students is planted; the Nulägesrapport and the quality report hide it and the
school(s) protecting it (their counts beside the authority's total would give its size). Every
data pack of the year — the figures a quality dialogue freezes — shows ``..`` for the same schools
where the quality report does, and everything shown together (the Nulägesrapport's student-mix
table, the quality report's tables, every school's data pack, the authority's totals) leaves the
planted school's size an interval at least ±3 students wide: an attacker's linear program solved
here with scipy's linprog, independently of ``likvard.disclosure``'s own audit.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.optimize import linprog

from _followup_data import SCHOOLS, small_authority
from likvard.analyses.composition import composition
from likvard.analyses.dataset import dataset_from_authority
from likvard.disclosure import PROTECTION
from likvard.expected.need import need_index
from likvard.followup.datapack import PACK_INDICATORS, build_data_pack
from likvard.privacy import SUPPRESSED
from likvard.views.composition import school_table

YEAR = 2023
PLANTED = SCHOOLS[5]
EDUCATION = ("compulsory", "upper_secondary", "post_secondary")


def planted_authority():
    """``small_authority`` with parents' education varying between schools (so that the need index
    can be fitted and every pack shows it) and only 7 students left at ``PLANTED`` in ``YEAR``, 5 of
    whom answered the survey."""
    data = small_authority()
    st = data.students.copy()
    school = st["school_id"].map({s: i for i, s in enumerate(SCHOOLS)})
    st["parent_education"] = [EDUCATION[(i + k) % 3 if i % 4 else 2] for k, i in enumerate(school)]
    mine = st.index[(st["school_id"] == PLANTED) & (st["school_year"] == YEAR)]
    data.students = st.drop(index=mine[7:]).reset_index(drop=True)
    sv = data.survey.copy()
    sv.loc[(sv["school_id"] == PLANTED) & (sv["school_year"] == YEAR), "n_respondents"] = 5
    data.survey = sv
    return data


def number(text: str) -> float:
    return float(str(text).replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace(",", "."))


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    from likvard.report.quality import build_quality_report
    from likvard.store import open_store

    data = planted_authority()
    store = open_store(tmp_path_factory.mktemp("q") / "q.db")
    store.save_authority_data(data, "test")
    report = build_quality_report(store, YEAR, data=data)
    store.close()
    ds = dataset_from_authority(data)
    mix = school_table(composition(ds), ds)
    mix = mix[mix["school_year"] == YEAR]
    packs = {sid: build_data_pack(data, sid, YEAR)[0] for sid in SCHOOLS}
    return data, report, mix, packs


def _section(report, key):
    return next(s for s in report.sections if s.key == key).tables[0]


def test_protecting_school_pack_shows_dots_where_the_report_does(run):
    data, report, mix, packs = run
    name_of = dict(zip(data.schools["school_id"].astype(str), data.schools["name"].astype(str)))
    conditions = {r[0]: r for r in _section(report, "forutsattningar").rows}
    results = _section(report, "resultat")
    columns = results.headers[1:]
    by_name = {r[0]: dict(zip(columns, r[1:])) for r in results.rows}
    hidden = {sid for sid in SCHOOLS if conditions[name_of[sid]][1] == SUPPRESSED}
    # the planted school and at least one school protecting it, the same in the Nulägesrapport
    assert PLANTED in hidden and len(hidden) >= 2
    assert set(mix.loc[mix["n_students"].astype(str) == SUPPRESSED, "school_id"].astype(str)) == hidden
    labels = {label: (indicator if respondent is None else f"{indicator}_{respondent.removeprefix('student_')}")
              for indicator, respondent, label in PACK_INDICATORS}
    compared = 0
    for sid, pack in packs.items():
        shown_in_report = by_name[name_of[sid]]
        for label, cell in shown_in_report.items():
            row = pack["indicators"].get(labels[label])
            if row is None or row.get("value") is None:
                continue
            compared += 1
            assert (row["value"] == SUPPRESSED) == (cell == SUPPRESSED), (sid, label, row["value"], cell)
            if cell == SUPPRESSED:
                assert row["n"] == SUPPRESSED and row.get("low") is None and row.get("quartile") is None
        this_year = [t for r in pack["indicators"].values() for t in r["trend"] if t["school_year"] == YEAR]
        if sid in hidden:
            assert all(t["value"] == SUPPRESSED and t["n"] == SUPPRESSED for t in this_year), sid
            assert pack["need"]["n"] == SUPPRESSED and pack["need"]["value"] == SUPPRESSED
            assert pack["need"]["rank"] is None
            assert pack["staffing"] and set(pack["staffing"].values()) == {SUPPRESSED}
            assert conditions[name_of[sid]][2] == SUPPRESSED  # the report hides its staffing too
            assert pack["flags"] == []  # a flag would tell where the hidden value lies
        else:
            assert pack["need"]["n"] != SUPPRESSED and pack["need"]["rank"] is not None
            assert pack["staffing"]["share_certified"] != SUPPRESSED
    # merit value, eligibility and trygghet at every school; the planted school kept 7 grade-5
    # students, so it has no grade-9 figures
    assert compared == 3 * len(SCHOOLS) - 2
    # ranks among the shown schools only (the engine's need index; 1 = the highest need)
    table = need_index(data.students)
    here = table[table["school_year"] == YEAR].set_index(table["school_id"].astype(str)[table["school_year"] == YEAR])
    shown = here.drop(index=sorted(hidden))["need_index"]
    for sid in shown.index:
        assert packs[sid]["need"]["rank"] == 1 + int((shown > shown[sid]).sum())
    assert {p["need"]["n_schools"] for p in packs.values()} == {len(SCHOOLS) - len(hidden)}


def attacker_interval(data, report, mix, packs, target: str) -> tuple[float, float]:
    """Smallest and largest number of students at ``target`` consistent with everything shown.

    Unknowns: each school's students and students with post-secondary parents. Known: every
    count shown anywhere (the student-mix table, the quality report, the packs' need index, which
    counts every student of the school), the shares shown times the shown students, the
    authority's totals of both, and that a count of grade-9 students or respondents shown in a
    pack (indicators and their trend) is at most the school's students."""
    name_of = dict(zip(data.schools["school_id"].astype(str), data.schools["name"].astype(str)))
    ids = list(SCHOOLS)
    n_var = {s: i for i, s in enumerate(ids)}
    p_var = {s: len(ids) + i for i, s in enumerate(ids)}
    size = 2 * len(ids)
    eq_rows, eq_rhs = [], []

    def fix(var: int, value: float) -> None:
        row = np.zeros(size)
        row[var] = 1.0
        eq_rows.append(row)
        eq_rhs.append(value)

    lower = np.zeros(size)
    st = data.students[data.students["school_year"] == YEAR]
    total = float(len(st))
    total_post = float((st["parent_education"] == "post_secondary").sum())
    eq_rows.append(np.r_[np.ones(len(ids)), np.zeros(len(ids))])
    eq_rhs.append(total)
    eq_rows.append(np.r_[np.zeros(len(ids)), np.ones(len(ids))])
    eq_rhs.append(total_post)
    for r in mix.itertuples(index=False):
        sid = str(r.school_id)
        if str(r.n_students) != SUPPRESSED:
            fix(n_var[sid], float(r.n_students))
            share = r.share_post_secondary
            if not (isinstance(share, str) and share == SUPPRESSED) and share == share:
                # the share in percent with one decimal times the students gives the count
                fix(p_var[sid], round(float(share) * float(r.n_students) / 100))
    for r in _section(report, "forutsattningar").rows:
        sid = next(s for s in ids if name_of[s] == r[0])
        if r[1] != SUPPRESSED:
            fix(n_var[sid], number(r[1]))
    for sid, pack in packs.items():
        need = pack["need"]
        if need and need.get("n") not in (None, SUPPRESSED):
            fix(n_var[sid], float(need["n"]))
        for row in pack["indicators"].values():
            counts = [row.get("n")] + [t["n"] for t in row["trend"] if t["school_year"] == YEAR]
            for n in counts:
                if isinstance(n, int | float) and not isinstance(n, bool):
                    lower[n_var[sid]] = max(lower[n_var[sid]], float(n))
    ub_rows = []
    for s in ids:  # students with post-secondary parents are at most the students
        row = np.zeros(size)
        row[p_var[s]] = 1.0
        row[n_var[s]] = -1.0
        ub_rows.append(row)
    bounds = [(float(lo), None) for lo in lower]
    c = np.zeros(size)
    c[n_var[target]] = 1.0
    kw = dict(A_ub=np.array(ub_rows), b_ub=np.zeros(len(ub_rows)), A_eq=np.array(eq_rows), b_eq=np.array(eq_rhs),
              bounds=bounds, method="highs")
    lo = linprog(c, **kw)
    hi = linprog(-c, **kw)
    assert lo.status == 0 and hi.status == 0, (lo.message, hi.message)  # the true table is feasible
    return lo.fun, -hi.fun


def test_everything_shown_leaves_the_planted_school_at_least_plus_minus_three(run):
    data, report, mix, packs = run
    true = int((data.students["school_id"].eq(PLANTED) & data.students["school_year"].eq(YEAR)).sum())
    assert true == 7
    lo, hi = attacker_interval(data, report, mix, packs, PLANTED)
    assert lo <= true <= hi
    assert hi - lo >= 2 * PROTECTION, (lo, hi)


def test_the_attack_recovers_the_size_when_the_protecting_school_shows_its_count(run):
    """The attacker model can fail: with the protecting schools' own counts in their packs (the
    data pack before it followed the published tables), the planted school's size follows exactly."""
    data, report, mix, packs = run
    hidden = set(mix.loc[mix["n_students"].astype(str) == SUPPRESSED, "school_id"].astype(str)) - {PLANTED}
    counts = data.students[data.students["school_year"] == YEAR].groupby(data.students["school_id"].astype(str)).size()
    leaky = {sid: ({**p, "need": {**p["need"], "n": int(counts[sid])}} if sid in hidden else p)
             for sid, p in packs.items()}
    lo, hi = attacker_interval(data, report, mix, leaky, PLANTED)
    assert lo == pytest.approx(7) and hi == pytest.approx(7)


def test_dialogue_created_through_the_service_freezes_the_same_pack(run, tmp_path):
    """What ``likvard dialog underlag``, the web dialogue page and the demo follow-up freeze
    (``service.create_dialogue``) is this pack: the protecting school reads ``..``."""
    from likvard.followup import service as sv
    from likvard.store import open_store

    data, _, mix, packs = run
    protecting = sorted(set(mix.loc[mix["n_students"].astype(str) == SUPPRESSED, "school_id"].astype(str))
                        - {PLANTED})[0]
    store = open_store(tmp_path / "d.db")
    store.save_authority_data(data, "test")
    dlg = sv.create_dialogue(store, school_id=protecting, school_year=YEAR, kind="host", date="2023-10-02",
                             participants=["rektor:A", "huvudman:B"], actor="Test", role="skolchef", data=data)
    store.close()
    assert dlg.data_pack is not None and dlg.data_pack.content["need"]["n"] == SUPPRESSED
    assert dlg.data_pack.content == json.loads(json.dumps(packs[protecting]))


def test_quarters_are_among_the_shown_schools(run):
    """A shown school's quarter comes from the shown schools' values only (hand computation from
    the packs): limits through a hidden school's value would bound it."""
    data, report, mix, packs = run
    hidden = set(mix.loc[mix["n_students"].astype(str) == SUPPRESSED, "school_id"].astype(str))
    for key in ("merit_value", "share_eligible", "trygghet_grade5"):
        values = {s: p["indicators"][key]["value"] for s, p in packs.items()
                  if key in p["indicators"] and isinstance(p["indicators"][key].get("value"), float)}
        assert not set(values) & hidden and len(values) >= 4
        q = np.quantile(list(values.values()), [0.25, 0.5, 0.75])
        for s, x in values.items():
            assert packs[s]["indicators"][key]["quartile"] == 1 + int((x > q).sum()), (key, s)


def test_effect_evaluation_of_a_protecting_school_hides_its_count_where_the_reports_do(tmp_path):
    """``likvard effekt utvardera --db`` on a school the reports hide to protect the planted one: the
    number of students in its path reads ``..`` in the hidden year and equals the school's grade-9
    students with a merit value (counted here from the data) in the other years."""
    from typer.testing import CliRunner

    from likvard.cli.main import app
    from likvard.disclosure.schools import hidden_schools
    from likvard.store import open_store

    data = planted_authority()
    protecting = sorted(hidden_schools(data, YEAR) - {PLANTED})
    assert protecting  # the planted school needs a complement: otherwise there is nothing to test
    db = tmp_path / "a.db"
    store = open_store(db)
    store.save_authority_data(data, "test")
    store.close()
    out = tmp_path / "effekt.json"
    result = CliRunner().invoke(app, ["effekt", "utvardera", "--db", str(db), "--behandlade", protecting[0],
                                      "--start", str(YEAR - 1), "--utfall", "merit_value", "--ut", str(out)])
    assert result.exit_code == 0, result.output
    path = {int(r["school_year"]): r["n_students"] for r in json.loads(out.read_text())["path"]}
    st = data.students
    g9 = st[(st["school_id"] == protecting[0]) & (st["grade"] == 9) & st["merit_value"].notna()]
    counts = g9.groupby("school_year").size()
    assert path[YEAR] == SUPPRESSED
    shown = {y: n for y, n in path.items() if y != YEAR}
    assert shown and all(n == counts[y] for y, n in shown.items())
