"""The codebook of the research export: items, wording, scales, keying, answer labels and missing codes per version.

Pure: instrument versions in, rows and a JSON-ready dict out. Missing codes get a numeric code (97, 98, … in the
order the answer format lists them) for the SPSS file, where they are declared as user-missing values. With the
summary of the export's k-anonymity (``monitor.exports.anonymity``) it also says what was coarsened.
"""

from __future__ import annotations

from typing import Any

from monitor.questionnaire.instrument import Instrument

MISSING_NUMERIC_BASE = 97
THEN_SUFFIX = "-then"  # the moment of a then-test answer in the long format: "T1-then"

CODEBOOK_COLUMNS = (
    "instrument_version",
    "item",
    "scale",
    "scale_title",
    "text",
    "stem",
    "answer_format",
    "min",
    "max",
    "reverse_keyed",
    "moments",
    "then_test",
    "value_labels",
    "missing_codes",
)

LONG_VARIABLES = {
    "pseudonym": "Export pseudonym: a keyed hash of the enrolment with a secret made for this export only and never "
    "stored. Not linkable to other exports or to the platform.",
    "wijk": "The wijk, or its gebied as '<name> (gebied)', or 'overig', when a wijk has too few people in this "
    "export (the monitor's disclosure rule) or the wijk × cohort combination has fewer than k people "
    "(k-anonymity; see docs/exports.md).",
    "cohort": "The training group (cohort) name; empty where the wijk × cohort combination would still have fewer "
    "than k people (suppressed).",
    "research_choice_version": "The version of the research explanation the person read when they agreed to the use "
    "of their answers for research (privacy.research); only people whose current choice is yes are exported.",
    "research_choice_date": "The date (YYYY-MM-DD) of the person's current yes to research.",
    "moment": "T0 (voormeting), T1 (nameting), T2 (follow-up), or T1-then: the retrospective 'before the training' "
    "rating asked at T1.",
    "instrument_version": "The first 12 characters of the instrument version hash: the exact wording answered.",
    "item": "Item id (see the items of that instrument version).",
    "scale": "Scale id of the item.",
    "value": "The raw answer as given (not reverse-keyed); empty = missing.",
    "missing_code": "Why the value is missing when the person chose a 'missing' option (e.g. weet_niet, nvt); "
    "empty when the value is given or the item was skipped.",
}


def version_key(version_hash: str) -> str:
    return version_hash[:12]


def missing_numeric(instrument: Instrument, item_id: str) -> dict[str, int]:
    """Missing code -> its numeric code for one item (97, 98, … in the format's order)."""
    fmt = instrument.format_of(instrument.item(item_id))
    return {choice.code: MISSING_NUMERIC_BASE + i for i, choice in enumerate(fmt.missing)}


def coarsening_notes(summary: dict[str, Any]) -> dict[str, str]:
    """Quasi-identifier column -> one sentence on what k-anonymity changed in this export (empty without data)."""
    if not summary:
        return {}
    k, wijk, cohort = summary["k"], summary["wijk"], summary["cohort"]
    return {
        "wijk": f"Quasi-identifier (k = {k}): {wijk['kept']} rows keep their wijk, {wijk['gebied']} are written as "
        f"their gebied, {wijk['overig']} as 'overig'.",
        "cohort": f"Quasi-identifier (k = {k}): {cohort['kept']} rows keep their cohort, {cohort['suppressed']} are "
        f"empty (suppressed).",
    }


def codebook_rows(versions: dict[str, Instrument], coarsening: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
    """One row per (instrument version, item), versions in the order given (``version key -> instrument``), after
    one row per quasi-identifier column saying what was coarsened (when ``coarsening`` is given)."""
    rows: list[tuple[Any, ...]] = [
        ("", column, "", "", f"{LONG_VARIABLES[column]} {note}", "", "", None, None, None, "", None, "", "")
        for column, note in coarsening_notes(coarsening or {}).items()
    ]
    for key, inst in versions.items():
        for item in inst.items:
            scale = inst.scale(item.scale)
            fmt = inst.format_of(item)
            labels = " | ".join(f"{value}={label}" for value, label in fmt.labels.items())
            missing = " | ".join(
                f"{choice.code}={choice.label} (SPSS {MISSING_NUMERIC_BASE + i})"
                for i, choice in enumerate(fmt.missing)
            )
            rows.append(
                (
                    key,
                    item.id,
                    scale.id,
                    scale.title,
                    item.text,
                    fmt.stem,
                    fmt.id,
                    fmt.min,
                    fmt.max,
                    item.reverse,
                    " ".join(item.moments),
                    item.then_test,
                    labels,
                    missing,
                )
            )
    return rows


def codebook_json(versions: dict[str, Instrument], coarsening: dict[str, Any] | None = None) -> dict[str, Any]:
    """The full codebook as one JSON-ready dict: the long format's columns, what k-anonymity coarsened (when
    ``coarsening`` is given), then every version's formats, scales and items."""
    first = next(iter(versions.values()), None)
    out: dict[str, Any] = {
        "instrument": {"id": first.id, "title": first.title, "status": first.status} if first else None,
        "long_format": LONG_VARIABLES,
        "wide_format": {
            "<SCALE>_<MOMENT>": "scale score: mean of the answered items after reverse keying (6 − x on 1..5), "
            "missing when fewer than 80% of the scale's items are answered",
            "<SCALE>_T1then": "then-test (retrospective) scale score asked at T1",
            "<SCALE>_change_<FROM>_<TO>": "the person's change, TO − FROM",
            "<SCALE>_change_then_T1": "T1 − T1then (change against the retrospective pretest)",
            "<SCALE>_rci_T0_<TO>": "Jacobson–Truax reliable change index: change / S_diff, with S_diff = "
            "SD_T0·√(2(1 − α)) from the instrument version's frozen reference (the T0 SD and Cronbach's α of its "
            "first 30 T0 respondents); "
            "> 1.96 is a reliable improvement, < −1.96 a reliable deterioration",
        },
        "missing": {
            "empty": "not answered, or a 'missing' option chosen (then missing_code says which)",
            "spss": f"in the SPSS file 'missing' options are coded {MISSING_NUMERIC_BASE}, "
            f"{MISSING_NUMERIC_BASE + 1}, … and declared user-missing",
        },
        "versions": [],
    }
    if coarsening:
        out["disclosure_control"] = coarsening | {
            "method": "k-anonymity over the quasi-identifiers wijk and cohort: wijk generalised to gebied, then "
            "'overig', then the cohort suppressed, for the people whose combination has fewer than k "
            "people (local recoding and suppression as in sdcMicro); k = RACT_MIN_GROUP_N. Scores and "
            "answers are the research data and are never changed.",
            "notes": coarsening_notes(coarsening),
        }
    for key, inst in versions.items():
        out["versions"].append(
            {
                "instrument_version": key,
                "answer_formats": [
                    {
                        "id": fmt.id,
                        "stem": fmt.stem,
                        "min": fmt.min,
                        "max": fmt.max,
                        "labels": {str(v): label for v, label in fmt.labels.items()},
                        "missing_codes": [
                            {"code": c.code, "label": c.label, "spss": MISSING_NUMERIC_BASE + i}
                            for i, c in enumerate(fmt.missing)
                        ],
                    }
                    for fmt in inst.answer_formats
                ],
                "scales": [
                    {"id": s.id, "title": s.title, "answer_format": s.format, "then_test": s.then_test}
                    for s in inst.scales
                ],
                "items": [
                    {
                        "id": i.id,
                        "scale": i.scale,
                        "text": i.text,
                        "reverse_keyed": i.reverse,
                        "moments": list(i.moments),
                        "then_test": i.then_test,
                    }
                    for i in inst.items
                ],
            }
        )
    return out
