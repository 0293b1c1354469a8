"""k-anonymity of the research files: wijk and cohort generalised or suppressed until each combination holds k people.

Pure: subjects in, labels and a summary out. The quasi-identifiers are the two columns that describe a person rather
than their answers: ``wijk`` (with its hierarchy wijk → gebied → "overig") and ``cohort`` (cohort → suppressed).
The rule works as sdcMicro's local recoding and local suppression do:

1. every person starts at the wijk label of the monitor's disclosure plan and their cohort's name (level 0);
2. each person in a class (a wijk label × cohort combination) of fewer than k people moves one level up:
   level 1 writes the wijk as its gebied, level 2 as "overig", level 3 also blanks the cohort. Repeat until no
   class is too small. Classes only ever grow while people move up, so at most three rounds are needed;
3. only the fully suppressed class ("overig", no cohort) can then still be too small: it takes the fewest people
   it needs from the classes with the most people to spare (never leaving one below k), or a whole class.

Each person (a user, however many enrolments) counts once per class. Everything is decided from the enrolment and
user ids, names and the wijk hierarchy, never from the random pseudonyms: the same data give the same coarsening.
With fewer than k people in the whole file no combination can reach k; everyone is then fully suppressed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

QUASI_IDENTIFIERS = ("wijk", "cohort")
OTHER = "overig"
SUPPRESSED = ""  # a blank cohort cell
TOP = 3  # the fully suppressed level
TOP_VALUE = (OTHER, SUPPRESSED)


@dataclass(frozen=True, slots=True)
class Subject:
    """One row of the wide file as the rule sees it. ``key`` (enrolment id) and ``person`` (user id) are never
    written."""

    key: int
    person: int
    wijk: str  # the label of the monitor's disclosure plan: a wijk, "<gebied> (gebied)" or "overig"
    gebied: str  # the label one level up: "<gebied> (gebied)", or "overig" for a wijk without gebied
    cohort: str
    named_wijk: bool  # ``wijk`` names the person's own wijk (not already a gebied or "overig")


@dataclass(frozen=True)
class Coarsening:
    labels: dict[int, tuple[str, str]]  # key -> (wijk, cohort) as written
    summary: dict[str, Any]


def _value(s: Subject, level: int) -> tuple[str, str]:
    if level == 0:
        return s.wijk, s.cohort
    if level == 1:
        return s.gebied, s.cohort
    if level == 2:
        return OTHER, s.cohort
    return OTHER, SUPPRESSED


def _next_level(s: Subject, level: int) -> int:
    """The next level that writes something coarser (a wijk label may already be a gebied or "overig")."""
    current = _value(s, level)
    return next((up for up in range(level + 1, TOP) if _value(s, up) != current), TOP)


def _classes(subjects: Sequence[Subject], levels: dict[int, int]) -> dict[tuple[str, str], set[int]]:
    """Combination -> the people (user ids) in it."""
    out: dict[tuple[str, str], set[int]] = defaultdict(set)
    for s in subjects:
        out[_value(s, levels[s.key])].add(s.person)
    return out


def k_anonymise(subjects: Sequence[Subject], k: int) -> Coarsening:
    """The labels that make every wijk × cohort combination hold at least ``k`` people (see the module docstring)."""
    levels = {s.key: 0 for s in subjects}
    while True:
        classes = _classes(subjects, levels)
        small = {v for v, people in classes.items() if len(people) < k}
        moving = [s for s in subjects if levels[s.key] < TOP and _value(s, levels[s.key]) in small]
        if not moving:
            break
        for s in moving:
            levels[s.key] = _next_level(s, levels[s.key])
    _fill_residual(subjects, levels, k)
    labels = {s.key: _value(s, levels[s.key]) for s in subjects}
    return Coarsening(labels, _summary(subjects, labels, k))


def _fill_residual(subjects: Sequence[Subject], levels: dict[int, int], k: int) -> None:
    """Grow a too-small fully suppressed class: from the classes with the most people to spare (highest ids first)
    when they have enough between them, else by the smallest whole class."""
    if len({s.person for s in subjects}) < k:
        levels.update(dict.fromkeys(levels, TOP))
        return
    classes = _classes(subjects, levels)
    residual = set(classes.get(TOP_VALUE, ()))
    if not residual or len(residual) >= k:
        return
    members: dict[tuple[str, str], dict[int, list[Subject]]] = defaultdict(lambda: defaultdict(list))
    for s in subjects:
        members[_value(s, levels[s.key])][s.person].append(s)
    donors = sorted((v for v in classes if v != TOP_VALUE), key=lambda v: (-len(classes[v]), v))
    if sum(max(0, len(classes[v]) - k) for v in donors) >= k - len(residual):
        for v in donors:
            spare = min(len(classes[v]) - k, k - len(residual))
            others = sorted((p for p in members[v] if p not in residual), reverse=True)
            for person in others[: max(0, spare)]:
                levels.update({s.key: TOP for s in members[v][person]})
                residual.add(person)
    while len(residual) < k:  # nobody to spare (or the spare were in it already): the smallest class joins whole
        classes = _classes(subjects, levels)
        smallest = min((v for v in classes if v != TOP_VALUE), key=lambda v: (len(classes[v]), v))
        levels.update({s.key: TOP for s in subjects if _value(s, levels[s.key]) == smallest})
        residual |= classes[smallest]


def _summary(subjects: Sequence[Subject], labels: dict[int, tuple[str, str]], k: int) -> dict[str, Any]:
    """What the codebook reports: per quasi-identifier how many rows kept their value, were generalised or
    suppressed, and the size of the smallest combination."""
    wijk = {"kept": 0, "gebied": 0, "overig": 0}
    cohort = {"kept": 0, "suppressed": 0}
    classes: dict[tuple[str, str], set[int]] = defaultdict(set)
    for s in subjects:
        w, c = labels[s.key]
        classes[(w, c)].add(s.person)
        if s.named_wijk and w == s.wijk:
            wijk["kept"] += 1
        elif w == OTHER:
            wijk["overig"] += 1
        else:
            wijk["gebied"] += 1
        cohort["kept" if c == s.cohort else "suppressed"] += 1
    return {
        "k": k,
        "quasi_identifiers": list(QUASI_IDENTIFIERS),
        "rows": len(subjects),
        "people": len({s.person for s in subjects}),
        "combinations": len(classes),
        "smallest_combination": min((len(p) for p in classes.values()), default=0),
        "wijk": wijk,
        "cohort": cohort,
    }
