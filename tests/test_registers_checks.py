"""Every validation check: the problem names the right file, row, column and value, all at once."""

from __future__ import annotations

import pytest

from likvard.sources.errors import RegisterValidationError
from likvard.sources.registers import read_register

STUDENT_HEADER = ("student_id,school_year,school_id,grade,sex,parent_education,migration_background,"
                  "newly_arrived,home_x,home_y,merit_value,eligible")
GOOD_STUDENT = "e1,2024,12345678,9,F,post_secondary,swedish,nej,514000,6571000,230,ja"
SCHOOL_HEADER = "school_id,school_year,name,organiser,organiser_type,municipality_code,x,y,grade_min,grade_max"
GOOD_SCHOOL = "12345678,2024,Norrskolan,Exempelstads kommun,municipal,1880,514000,6571000,0,9"


def problems(tmp_path, kind, text, name="f.csv", **kw):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RegisterValidationError) as info:
        read_register(kind, path, **kw)
    issues = info.value.issues
    assert all(i.file == name for i in issues)
    return issues


def only(issues, column=None):
    found = [i for i in issues if column is None or i.column == column]
    assert len(found) == 1, [str(i) for i in issues]
    return found[0]


def student_file(*rows):
    return "\n".join([STUDENT_HEADER, GOOD_STUDENT, *rows]) + "\n"


def test_good_files_pass(tmp_path):
    (tmp_path / "e.csv").write_text(student_file(), encoding="utf-8")
    assert len(read_register("students", tmp_path / "e.csv", known_school_ids={2024: {"12345678"}})) == 1
    (tmp_path / "s.csv").write_text(SCHOOL_HEADER + "\n" + GOOD_SCHOOL + "\n", encoding="utf-8")
    assert len(read_register("schools", tmp_path / "s.csv")) == 1


def test_missing_required_columns(tmp_path):
    issues = problems(tmp_path, "students", "student_id,school_year,school_id,grade\ne1,2024,12345678,3\n")
    missing = {i.column for i in issues}
    assert missing == {"sex", "parent_education", "migration_background", "newly_arrived", "home_x", "home_y"}
    assert all(i.row == 1 and "saknas i rubrikraden" in i.message for i in issues)
    hx = only(issues, "home_x")
    assert "home_area" in hx.message  # the alternative is named


@pytest.mark.parametrize("column,bad,allowed", [
    ("sex", "X", "F, M"),
    ("parent_education", "doktor", "post_secondary"),
    ("migration_background", "svenskish", "foreign_born"),
])
def test_unknown_student_codes(tmp_path, column, bad, allowed):
    row = GOOD_STUDENT.split(",")
    row[STUDENT_HEADER.split(",").index(column)] = bad
    row[0] = "e2"
    i = only(problems(tmp_path, "students", student_file(",".join(row))))
    assert (i.row, i.column, i.value) == (3, column, bad)
    assert "Okänd kod" in i.message and allowed in i.message


def test_unknown_organiser_type_and_respondent(tmp_path):
    i = only(problems(tmp_path, "schools", SCHOOL_HEADER + "\n" + GOOD_SCHOOL.replace("municipal", "statlig") + "\n"))
    assert (i.row, i.column, i.value) == (2, "organiser_type", "statlig") and "municipal, independent" in i.message
    text = ("school_id,school_year,respondent,area,value,n_respondents\n"
            "12345678,2024,student_grade5,trygghet,7.5,40\n12345678,2024,rektor,trygghet,7.5,1\n")
    i = only(problems(tmp_path, "survey", text))
    assert (i.row, i.column, i.value) == (3, "respondent", "rektor") and "teacher" in i.message


def test_duplicated_student_rows(tmp_path):
    dup = GOOD_STUDENT.replace(",F,", ",M,")
    i = only(problems(tmp_path, "students", student_file("e2,2024,12345678,3,M,unknown,swedish,nej,514000,6571000,,",
                                                        dup)))
    assert (i.row, i.column, i.value) == (4, "student_id", "e1")
    assert "rad 2" in i.message and "Dubblerad" in i.message


def test_same_student_other_year_is_not_a_duplicate(tmp_path):
    (tmp_path / "e.csv").write_text(student_file(GOOD_STUDENT.replace("2024", "2025")), encoding="utf-8")
    assert len(read_register("students", tmp_path / "e.csv")) == 2


def test_school_that_does_not_exist(tmp_path):
    text = student_file("e2,2024,99999999,3,M,unknown,swedish,nej,514000,6571000,,",
                        "e3,2025,12345678,3,M,unknown,swedish,nej,514000,6571000,,")
    issues = problems(tmp_path, "students", text, known_school_ids={2024: {"12345678"}})
    assert [(i.row, i.column, i.value) for i in issues] == [(3, "school_id", "99999999"), (4, "school_id", "12345678")]
    assert "2025/26" in issues[1].message and "finns inte i skolregistret" in issues[0].message
    # a flat collection: every year
    i = only(problems(tmp_path, "students", text, known_school_ids=["12345678"]))
    assert (i.row, i.value) == (3, "99999999")


@pytest.mark.parametrize("kind,text,row", [
    ("choices", "student_id,school_year,grade,rank,school_id\ne1,2024,7,1,12345678\ne1,2024,7,2,87654321\n", 3),
    ("staff", "staff_id,school_year,school_id,certified,lead_teacher,fte\nt1,2024,87654321,ja,nej,1\n", 2),
    ("survey", "school_id,school_year,respondent,area,value,n_respondents\n87654321,2024,teacher,studiero,6,12\n", 2),
])
def test_other_registers_at_unknown_schools(tmp_path, kind, text, row):
    i = only(problems(tmp_path, kind, text, known_school_ids={2024: ["12345678"]}))
    assert (i.row, i.column, i.value) == (row, "school_id", "87654321")


def test_grade_outside_0_9(tmp_path):
    i = only(problems(tmp_path, "students", student_file("e2,2024,12345678,10,M,unknown,swedish,nej,514000,6571000,,")))
    assert (i.row, i.column, i.value) == (3, "grade", "10") and "mellan 0 och 9" in i.message


def test_coordinates_outside_sweden(tmp_path):
    issues = problems(tmp_path, "students", student_file(
        "e2,2024,12345678,3,M,unknown,swedish,nej,100000,6571000,,",      # west of Sweden
        "e3,2024,12345678,3,M,unknown,swedish,nej,6571000,514000,,",      # x and y swapped
    ))
    assert [(i.row, i.column, i.value) for i in issues] == [(3, "home_x", "100000"), (4, "home_x", "6571000")]
    assert "utanför Sverige" in issues[0].message and "SWEREF99 TM" in issues[0].message
    assert "förväxlade" in issues[1].message and "förväxlade" not in issues[0].message


def test_lat_lon_outside_sweden(tmp_path):
    text = SCHOOL_HEADER.replace("x,y", "lat,lon") + "\n" + GOOD_SCHOOL.replace("514000,6571000", "48.85,2.35") + "\n"
    i = only(problems(tmp_path, "schools", text))
    assert (i.row, i.column, i.value) == (2, "lat", "48.85") and "WGS84" in i.message


def test_merit_value_outside_0_340(tmp_path):
    issues = problems(tmp_path, "students", student_file(
        "e2,2024,12345678,9,M,unknown,swedish,nej,514000,6571000,341,nej",
        "e3,2024,12345678,9,M,unknown,swedish,nej,514000,6571000,-5,nej"))
    assert [(i.row, i.column, i.value) for i in issues] == [(3, "merit_value", "341"), (4, "merit_value", "-5")]
    assert "mellan 0 och 340" in issues[0].message


def test_grade_min_above_grade_max(tmp_path):
    i = only(problems(tmp_path, "schools", SCHOOL_HEADER + "\n" + GOOD_SCHOOL.replace(",0,9", ",7,3") + "\n"))
    assert (i.row, i.column, i.value) == (2, "grade_min", "7 > 3") and "grade_max" in i.message


def test_negative_fte(tmp_path):
    text = "staff_id,school_year,school_id,certified,lead_teacher,fte\nt1,2024,12345678,ja,nej,1\nt2,2024,12345678,ja,nej,-0,5\n"
    issues = problems(tmp_path, "staff", text.replace("-0,5", '"-0,5"'))
    i = only(issues)
    assert (i.row, i.column, i.value) == (3, "fte", "-0,5") and "mellan 0 och 1,5" in i.message


def test_survey_value_outside_0_10(tmp_path):
    text = "school_id;school_year;respondent;area;value;n_respondents\n12345678;2024;guardian;trygghet;10,5;30\n"
    i = only(problems(tmp_path, "survey", text))
    assert (i.row, i.column, i.value) == (2, "value", "10,5") and "mellan 0 och 10" in i.message


def test_non_numeric_numbers(tmp_path):
    issues = problems(tmp_path, "students", student_file(
        "e2,2024,12345678,tre,M,unknown,swedish,nej,514000,6571000,,",
        "e3,2024,12345678,3.5,M,unknown,swedish,nej,514000,6571000,,",
        "e4,ht2024,12345678,3,M,unknown,swedish,nej,514000,6571000,,"))
    got = {(i.row, i.column, i.value) for i in issues}
    assert got == {(3, "grade", "tre"), (4, "grade", "3.5"), (5, "school_year", "ht2024")}
    assert "Inte ett tal" in next(i for i in issues if i.row == 3).message
    assert "heltal" in next(i for i in issues if i.row == 4).message


def test_school_id_and_municipality_code_format(tmp_path):
    text = (SCHOOL_HEADER + "\n" + GOOD_SCHOOL + "\n"
            + GOOD_SCHOOL.replace("12345678", "1234-567") + "\n"
            + GOOD_SCHOOL.replace("12345678", "22345678").replace(",1880,", ",18800,") + "\n")
    issues = problems(tmp_path, "schools", text)
    assert [(i.row, i.column, i.value) for i in issues] == [(3, "school_id", "1234-567"), (4, "municipality_code", "18800")]
    assert "8 siffror" in issues[0].message and "4 siffror" in issues[1].message


def test_empty_required_cell(tmp_path):
    i = only(problems(tmp_path, "students", student_file("e2,2024,12345678,3,,unknown,swedish,nej,514000,6571000,,")))
    assert (i.row, i.column, i.value) == (3, "sex", None) and "saknas" in i.message


def test_identity_number_in_another_column_is_an_error(tmp_path):
    text = SCHOOL_HEADER + ",profile\n" + GOOD_SCHOOL + ",\n" + GOOD_SCHOOL.replace("12345678", "22345678").replace(
        "Norrskolan", "19811218-9876") + ",\n"
    i = only(problems(tmp_path, "schools", text))
    assert (i.row, i.column) == (3, "name") and "personnummer" in i.message
    assert i.value is None and "811218" not in str(i)  # the number is never echoed


def test_identity_number_with_wrong_check_digit_in_id(tmp_path):
    i = only(problems(tmp_path, "students", student_file(
        "811218-9875,2024,12345678,3,M,unknown,swedish,nej,514000,6571000,,")))
    assert (i.row, i.column, i.value) == (3, "student_id", "[personnummer]") and "kontrollsiffran" in i.message


def test_all_problems_are_reported_at_once(tmp_path):
    issues = problems(tmp_path, "students", student_file(
        "e2,2024,1234,12,X,phd,mars,kanske,abc,6571000,400,",
        "e1,2024,12345678,9,F,post_secondary,swedish,nej,514000,6571000,230,ja"))
    got = {(i.row, i.column) for i in issues}
    assert got == {(3, "school_id"), (3, "grade"), (3, "sex"), (3, "parent_education"), (3, "migration_background"),
                   (3, "newly_arrived"), (3, "home_x"), (3, "merit_value"), (4, "student_id")}


def test_ragged_csv_row_and_unknown_file_type(tmp_path):
    i = only(problems(tmp_path, "students", student_file("e2,2024,12345678")))
    assert i.row == 3 and "fält" in i.message
    i = only(problems(tmp_path, "students", "x", name="f.pdf"))
    assert i.value == ".pdf" and "Okänd filtyp" in i.message


def test_unknown_kind():
    with pytest.raises(ValueError, match="schools, students"):
        read_register("pupils", "x.csv")


def test_home_location_missing_when_home_area_is_the_alternative(tmp_path):
    text = ("student_id,school_year,school_id,grade,sex,parent_education,migration_background,newly_arrived,"
            "home_x,home_y,home_area\n"
            "a,2024,12345678,1,F,unknown,swedish,nej,,,1880C1010\n"
            "b,2024,12345678,1,F,unknown,swedish,nej,514000,6571000,\n"
            "c,2024,12345678,1,F,unknown,swedish,nej,,,\n")
    i = only(problems(tmp_path, "students", text))
    assert (i.row, i.column, i.value) == (4, "home_x", None) and "home_area" in i.message


def test_duplicated_column_name(tmp_path):
    text = STUDENT_HEADER + ",sex\n" + GOOD_STUDENT + ",M\n"
    i = only(problems(tmp_path, "students", text))
    assert (i.row, i.column) == (1, "sex") and "mer än en gång" in i.message


def test_areas_register(tmp_path):
    text = "area_id;name;area_type;x;y\n1880C1010;Centrum;3;514000;6571000\n1880C1020;Väster;6;514000;6571000\n"
    i = only(problems(tmp_path, "areas", text))
    assert (i.row, i.column, i.value) == (3, "area_type", "6") and "mellan 1 och 5" in i.message
    (tmp_path / "a.csv").write_text(text.replace(";6;", ";1;"), encoding="utf-8")
    df = read_register("areas", tmp_path / "a.csv")
    assert df["area_type"].tolist() == [3, 1] and df["area_type"].dtype == "int64"
