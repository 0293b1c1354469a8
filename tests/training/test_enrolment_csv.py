"""The enrolment CSV reader and planner: every Excel variant is read correctly or refused with a Dutch reason."""

from __future__ import annotations

import pytest

from training.enrolment_csv import MAX_ROWS, decode, parse_enrolment_csv, plan_rows

WIJKEN = {"afrikaanderwijk": 1, "bloemhof": 2, "hillesluis": 3, "bospolder-tussendijken": 4}


def plan(data: bytes, *, existing=None, enrolled=frozenset()):
    parsed = parse_enrolment_csv(data)
    assert parsed.problems == []
    return plan_rows(parsed, wijken=WIJKEN, existing_users=existing or {}, enrolled_emails=set(enrolled))


def test_plain_comma_separated_file_is_read_row_by_row():
    rows = plan(
        b"naam,email,wijk\nSamira Bakker,samira@example.nl,Bloemhof\nJeroen Smit,JEROEN@Example.nl,hillesluis\n"
    )
    assert [(r.line, r.naam, r.email, r.wijk_id, r.ok) for r in rows] == [
        (2, "Samira Bakker", "samira@example.nl", 2, True),
        (3, "Jeroen Smit", "jeroen@example.nl", 3, True),
    ]
    assert all(r.action == "new" for r in rows)


def test_excel_semicolons_bom_crlf_and_reordered_columns_are_read():
    data = "\ufeffE-mailadres;Wijk;Naam\r\nayse@example.nl;Afrikaanderwijk;Ayşe Yılmaz\r\n".encode("utf-8")
    rows = plan(data)
    assert (rows[0].naam, rows[0].email, rows[0].wijk_id) == ("Ayşe Yılmaz", "ayse@example.nl", 1)


def test_windows_1252_from_excel_keeps_accented_names():
    data = "naam;email;wijk\nRené Öztürk;rene@example.nl;Bloemhof\n".encode("cp1252")
    assert decode(data).splitlines()[1].startswith("René Öztürk")
    assert plan(data)[0].naam == "René Öztürk"


def test_tabs_and_quoted_fields_with_separators_are_read():
    rows = plan(b'naam\temail\twijk\n"Vries, Eva de"\teva@example.nl\tBloemhof\n')
    assert rows[0].naam == "Vries, Eva de" and rows[0].ok


def test_empty_lines_are_skipped_and_line_numbers_stay_those_of_the_file():
    rows = plan(b"\n\nnaam,email,wijk\n\nA Een,a@example.nl,Bloemhof\n,,\n\nB Twee,b@example.nl,Bloemhof\n\n")
    assert [r.line for r in rows] == [5, 8]


def test_each_bad_row_gets_its_own_dutch_message():
    data = (
        b"naam,email,wijk\n"
        b"Goed Mens,goed@example.nl,Bloemhof\n"
        b"Fout Adres,geen-adres,Bloemhof\n"
        b"Onbekende Wijk,wijk@example.nl,Kralingen\n"
        b"Dubbel Mens,GOED@example.nl,Bloemhof\n"
        b",leeg@example.nl,Bloemhof\n"
        b"Al Binnen,binnen@example.nl,Bloemhof\n"
        b"Trainer,trainer@example.nl,Bloemhof\n"
        b"Te Veel,veel@example.nl,Bloemhof,extra\n"
        b"Te Weinig,weinig@example.nl\n"
    )
    rows = {
        r.line: r
        for r in plan(
            data,
            existing={"trainer@example.nl": "trainer", "binnen@example.nl": "trainee"},
            enrolled={"binnen@example.nl"},
        )
    }
    assert rows[2].ok
    assert rows[3].errors == ["‘geen-adres’ is geen geldig e-mailadres."]
    assert "De wijk ‘Kralingen’ is onbekend" in rows[4].errors[0]
    assert rows[5].errors == ["Dit e-mailadres staat al op regel 2 van dit bestand."]
    assert rows[6].errors == ["De naam ontbreekt."]
    assert rows[7].errors == ["Deze deelnemer is al ingeschreven in deze groep."]
    assert rows[8].errors == ["Dit e-mailadres hoort bij een account dat geen deelnemer is."]
    assert "verwacht 3 kolommen, gevonden 4" in rows[9].errors[0]
    assert "verwacht 3 kolommen, gevonden 2" in rows[10].errors[0]
    assert [line for line, r in rows.items() if r.ok] == [2]


def test_account_of_another_organisation_is_refused():
    rows = plan(b"naam,email,wijk\nElders,elders@example.nl,Bloemhof\n", existing={"elders@example.nl": "other"})
    assert rows[0].errors == ["Dit e-mailadres hoort bij een deelnemer van een andere organisatie."]


def test_existing_trainee_from_another_cohort_is_enrolled_not_recreated():
    rows = plan(b"naam,email,wijk\nOud Lid,oud@example.nl,Bloemhof\n", existing={"oud@example.nl": "trainee"})
    assert rows[0].ok and rows[0].action == "existing"


def test_trailing_empty_excel_columns_are_ignored():
    rows = plan(b"naam;email;wijk;;\nA Een;a@example.nl;Bloemhof;;\n")
    assert rows[0].ok


@pytest.mark.parametrize(
    "data, fragment",
    [
        (b"", "Het bestand is leeg"),
        (b"\n \n", "Het bestand is leeg"),
        (b"naam,email,wijk\n\n", "alleen een kopregel"),
        (b"name,mail\nA,a@example.nl\n", "Ontbreekt: wijk"),
        (b"naam,email,wijk,telefoon\nA,a@example.nl,Bloemhof,06\n", "Onbekend: telefoon"),
        (b"naam,email,email,wijk\n", "Dubbel: email"),
        (b"Samira,samira@example.nl,Bloemhof\n", "De kopregel moet precies"),
    ],
)
def test_files_with_wrong_columns_are_refused_as_a_whole(data, fragment):
    parsed = parse_enrolment_csv(data)
    assert parsed.rows == [] and len(parsed.problems) == 1 and fragment in parsed.problems[0]


def test_five_thousand_rows_are_read_and_one_more_is_refused():
    lines = ["naam;email;wijk"] + [f"Persoon {i};p{i}@example.nl;Bloemhof" for i in range(MAX_ROWS)]
    rows = plan("\n".join(lines).encode())
    assert len(rows) == MAX_ROWS and all(r.ok for r in rows)
    too_many = parse_enrolment_csv(("\n".join(lines) + "\nNog Een;extra@example.nl;Bloemhof").encode())
    assert too_many.rows == [] and "meer dan 5000 deelnemers" in too_many.problems[0]


def test_binary_garbage_is_refused_not_crashed():
    parsed = parse_enrolment_csv(b"\x00\xff\xfe garbage \x00")
    assert parsed.rows == [] and parsed.problems
