"""Statistical disclosure control for the monitor: which group figures may be shown (primary and complementary).

The model is a tree of groups: organisation → gebied (optional) → wijk, each with ``n`` (respondents at one
measurement moment, or pairs for change figures). A parent's population contains its children's; whatever a parent
holds beyond its children (people without a wijk, say) is its *residual*, never shown on its own. Every figure a
group shows (counts, sums, means with their n, percentages) is additive over that tree, so a withheld figure can be
recovered by subtraction unless the plan prevents it. ``plan_suppression`` decides once per tree, and pages, charts,
the API and exports all apply that same plan (``redact``).

Minimum, maximum, individual answers and open answers are never exposed per group at all; they are outside this
module's model on purpose (docs/domain.md §5.6 rule 4). docs/statistics.md explains every rule.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from functools import lru_cache
from typing import Literal, TypeVar

Measure = Literal["n", "paired"]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Minimum n for figures of one moment (``min_n``) and minimum pairs for change figures (``min_paired``);
    ``priority``: which figures survive when small cells are merged across views (``monitor.report.lattice``): a wijk's
    over all cohorts (``"wijk"``) or a cohort's over all its wijken (``"cohort"``)."""

    min_n: int = 5
    min_paired: int = 10
    priority: str = "wijk"

    def __post_init__(self) -> None:
        for name in ("min_n", "min_paired"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a whole number of at least 1, got {value!r}")
        if self.priority not in ("wijk", "cohort"):
            raise ValueError(f"priority must be 'wijk' or 'cohort', got {self.priority!r}")

    def for_measure(self, measure: Measure) -> int:
        if measure == "n":
            return self.min_n
        if measure == "paired":
            return self.min_paired
        raise ValueError(f"measure must be 'n' or 'paired', got {measure!r}")


@dataclass(frozen=True, slots=True)
class Group:
    """One cell of the reporting tree. ``key`` is unique within the tree; ``n`` includes all children's n."""

    key: str
    n: int
    children: tuple[Group, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "children", tuple(self.children))
        if isinstance(self.n, bool) or not isinstance(self.n, int) or self.n < 0:
            raise ValueError(f"group {self.key!r}: n must be a whole number ≥ 0, got {self.n!r}")
        if self.residual < 0:
            held = self.n - self.residual
            raise ValueError(f"group {self.key!r}: its children hold more people ({held}) than it does ({self.n})")

    @property
    def residual(self) -> int:
        """People in this group but in none of its children (0 for a leaf: a leaf has no children to subtract)."""
        return self.n - sum(child.n for child in self.children) if self.children else 0

    def walk(self) -> Iterator[Group]:
        """This group and all below it, parents before children, siblings in key order."""
        yield self
        for child in sorted(self.children, key=lambda c: c.key):
            yield from child.walk()


class Reason(StrEnum):
    """Why a figure is withheld; the value is the Dutch text shown in its place."""

    TOO_FEW = "te weinig deelnemers"
    COMPLEMENTARY = "aanvullend afgeschermd"


@dataclass(frozen=True, slots=True)
class Decision:
    key: str
    n: int
    shown: bool
    reason: Reason | None = None


def plan_suppression(
    tree: Group, thresholds: Thresholds = Thresholds(), *, measure: Measure = "n"
) -> dict[str, Decision]:
    """Decide for every group in ``tree`` whether its figures are shown or withheld, and why.

    1. Primary: a group with n below the threshold is withheld ("te weinig deelnemers"), whatever its level.
    2. Complementary: for every shown group S, the people in S not covered by shown groups below it (its residual
       plus the uncovered part of each withheld child) are what subtraction reveals. That hidden mass must be 0, or
       ≥ threshold and spread over at least two parts (or be the residual alone), so that subtraction yields only an
       aggregate of at least ``threshold`` people and never one withheld group. While it is not, the smallest shown
       group directly below S's withheld part is withheld too ("aanvullend afgeschermd"), preferring groups whose
       hiding adds people over groups fully covered by their own shown children; ties go by key.
    3. A complementary withholding that ends up adding nobody (fully covered by shown groups below it) is undone.

    The result depends only on the tree's content, not on the order of children.
    """
    threshold = thresholds.for_measure(measure)
    groups = list(tree.walk())
    keys = [g.key for g in groups]
    if len(set(keys)) != len(keys):
        raise ValueError("group keys must be unique within the tree")

    withheld: dict[str, Reason] = {g.key: Reason.TOO_FEW for g in groups if g.n < threshold}
    changed = True
    while changed:
        changed = False
        for group in groups:
            if group.key in withheld or not group.children:
                continue
            while not _is_safe(_hidden_parts(group, withheld), threshold):
                candidate = _next_to_withhold(group, withheld)
                # Unreachable for a valid tree (a shown group's region can only turn unsafe while it still has shown
                # groups below it); should it happen, fail closed: withhold the group and let its parent re-check.
                target = candidate if candidate is not None else group
                withheld[target.key] = Reason.COMPLEMENTARY
                changed = True
                if candidate is None:
                    break

    for group in reversed(groups):
        if withheld.get(group.key) is Reason.COMPLEMENTARY and _hidden_mass(group, withheld) == 0:
            del withheld[group.key]

    return {g.key: Decision(key=g.key, n=g.n, shown=g.key not in withheld, reason=withheld.get(g.key)) for g in groups}


def redact(plan: Mapping[str, Decision], figures: Mapping[str, T]) -> dict[str, T | None]:
    """The figures per group key with every withheld group's figures replaced by None (unknown keys: KeyError)."""
    return {key: value if plan[key].shown else None for key, value in figures.items()}


@lru_cache(maxsize=65536)  # a page rounds thousands of fractions c/n of small n: mostly the same few
def round_pct(fraction: float) -> int:
    """A fraction (0.125) as a whole percentage (13), rounding halves away from zero on its shortest decimal form."""
    value = Decimal(repr(float(fraction)))
    if not value.is_finite():
        raise ValueError(f"cannot round {fraction!r} to a percentage")
    return int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _hidden_mass(group: Group, withheld: Mapping[str, Reason]) -> int:
    """People in a withheld ``group`` that no shown group below it covers."""
    if not group.children:
        return group.n
    return group.residual + sum(_hidden_mass(c, withheld) for c in group.children if c.key in withheld)


def _hidden_parts(group: Group, withheld: Mapping[str, Reason]) -> list[tuple[str | None, int]]:
    """What subtraction from a shown ``group`` exposes: (child key or None for the residual, people), non-empty only."""
    parts: list[tuple[str | None, int]] = [(None, group.residual)] if group.residual > 0 else []
    for child in group.children:
        if child.key in withheld and (mass := _hidden_mass(child, withheld)) > 0:
            parts.append((child.key, mass))
    return parts


def _is_safe(parts: list[tuple[str | None, int]], threshold: int) -> bool:
    total = sum(mass for _, mass in parts)
    if total == 0:
        return True
    if total < threshold:
        return False
    return len(parts) >= 2 or parts[0][0] is None


def _next_to_withhold(group: Group, withheld: Mapping[str, Reason]) -> Group | None:
    """The smallest shown group directly below ``group``'s withheld region, preferring ones that add people."""
    frontier: list[Group] = []
    stack = list(group.children)
    while stack:
        child = stack.pop()
        if child.key in withheld:
            stack.extend(child.children)
        elif child.n > 0:
            frontier.append(child)
    if not frontier:
        return None

    def rank(candidate: Group) -> tuple[bool, int, str]:
        adds_people = _hidden_mass(candidate, {**withheld, candidate.key: Reason.COMPLEMENTARY}) > 0
        return (not adds_people, candidate.n, candidate.key)

    return min(frontier, key=rank)
