"""The regie-ondersteuner monitor: per group and scale the change between two moments, with disclosure control.

One call builds every figure for one scope (organisation, optional cohort filter) and one pair of moments. The
same ``GroupFigures`` rows feed the pages, the charts, the JSON API and the exports, so the small-cell rule is
applied once, identically everywhere (``monitor.disclosure``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from monitor import statistics as st
from monitor.dataset import Dataset, Person
from monitor.disclosure import Decision, Group, Thresholds, plan_suppression, round_pct

Level = Literal["organisation", "gebied", "wijk", "cohort"]
ALPHA_WARNING = 0.70

# Fields of a row that rest on the respondents at one moment, and those that rest on pairs.
FROM_FIELDS = ("n_from", "mean_from", "sd_from")
TO_FIELDS = ("n_to", "mean_to", "sd_to")
PAIRED_FIELDS = ("n_paired", "mean_change", "ci_low", "ci_high", "d_z", "g_av", "p_t", "p_wilcoxon",
                 "pct_improved", "pct_unchanged", "pct_deteriorated")
TESTS = ("p_t", "p_wilcoxon")  # significance tests only where groups are large enough to mean something


@dataclass
class GroupFigures:
    """One row of the monitor: a group, a scale, two moments. Withheld values are None and named in ``suppressed``."""

    group_key: str
    group: str
    level: Level
    parent_key: str | None
    scale: str
    moment_from: str
    moment_to: str
    n_from: int | None = None
    mean_from: float | None = None
    sd_from: float | None = None
    n_to: int | None = None
    mean_to: float | None = None
    sd_to: float | None = None
    n_paired: int | None = None
    mean_change: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    d_z: float | None = None
    g_av: float | None = None
    p_t: float | None = None
    p_wilcoxon: float | None = None
    pct_improved: int | None = None
    pct_unchanged: int | None = None
    pct_deteriorated: int | None = None
    suppressed: list[str] = field(default_factory=list)
    reasons: dict[str, str] = field(default_factory=dict)  # field group ("from"/"to"/"paired") -> Dutch reason


@dataclass
class GroupFlow:
    """Response flow of a group: invited → responded at each moment → paired (counts withheld like any figure)."""

    group_key: str
    group: str
    level: Level
    invited: int | None
    responded_from: int | None
    responded_to: int | None
    paired: int | None
    rate_from: int | None
    rate_to: int | None
    suppressed: list[str] = field(default_factory=list)


@dataclass
class ScaleQuality:
    scale: str
    title: str
    moment: str
    n: int
    alpha: float | None
    items: list[str]
    item_rest: list[float | None]

    @property
    def warning(self) -> bool:
        return self.alpha is not None and self.alpha < ALPHA_WARNING


@dataclass
class ThenTest:
    """Response shift (§3.6): the retrospective "vóór de training" rating at T1 against the conventional T0."""

    group_key: str
    group: str
    level: Level
    scale: str
    n: int | None
    mean_t0: float | None
    mean_then: float | None
    mean_difference: float | None  # then-test − T0; negative: people now judge their start as lower
    suppressed: bool


@dataclass
class AttritionRow:
    """Completers (T0 and the later moment) against drop-outs (T0 only) on their T0 scale means; organisation only."""

    scale: str
    n_completers: int | None
    mean_completers: float | None
    n_dropouts: int | None
    mean_dropouts: float | None
    p_welch: float | None
    hedges_g: float | None

    @property
    def possibly_biased(self) -> bool:
        return (self.p_welch is not None and self.p_welch < 0.05) or (
            self.hedges_g is not None and abs(self.hedges_g) >= 0.3)


@dataclass
class LearningRow:
    """Organisation level: change on a scale by learning (modules completed, knowledge-check scores)."""

    scale: str
    n_all_modules: int | None
    change_all_modules: float | None
    n_fewer_modules: int | None
    change_fewer_modules: float | None
    n_with_scores: int | None
    r_change_check_score: float | None


@dataclass
class Report:
    moment_from: str
    moment_to: str
    thresholds: Thresholds
    groups: list[tuple[str, str, Level, str | None]]  # key, name, level, parent key (tree order)
    rows: list[GroupFigures]
    flows: list[GroupFlow]
    quality: list[ScaleQuality]
    reliability: dict[str, float | None]  # scale -> pooled T0 α used for the RCI
    mixed_versions: int  # pairs answered on different instrument versions
    scale_titles: dict[str, str]
    then_test: list[ThenTest] = field(default_factory=list)
    attrition: list[AttritionRow] = field(default_factory=list)
    learning: list[LearningRow] = field(default_factory=list)

    def rows_for(self, scale: str) -> list[GroupFigures]:
        return [r for r in self.rows if r.scale == scale]

    def row(self, group_key: str, scale: str) -> GroupFigures:
        return next(r for r in self.rows if r.group_key == group_key and r.scale == scale)


# --- the group tree ---------------------------------------------------------------------------------------------

@dataclass
class _Node:
    key: str
    name: str
    level: Level
    parent: str | None
    members: list[Person]
    children: list[_Node] = field(default_factory=list)


def build_tree(data: Dataset, *, root: Literal["organisation", "cohort"] = "organisation") -> _Node:
    """Organisation → gebied → wijk (wijken without gebied hang directly under the organisation); or, for one
    cohort, cohort → wijk."""
    people = data.people
    if root == "cohort":
        cohort = data.cohorts[data.scope.cohort_ids[0]]
        top = _Node(f"cohort:{cohort.id}", cohort.name, "cohort", None, list(people))
        parents = {None: top}
    else:
        top = _Node(f"org:{data.organisation.id}", data.organisation.name, "organisation", None, list(people))
        parents = {None: top}
        for gid in sorted({p.gebied_id for p in people if p.gebied_id is not None}, key=lambda g: data.gebieden[g].name):
            node = _Node(f"gebied:{gid}", data.gebieden[gid].name, "gebied", top.key,
                         [p for p in people if p.gebied_id == gid])
            top.children.append(node)
            parents[gid] = node
    for wid in sorted({p.wijk_id for p in people}, key=lambda w: data.wijken[w].name):
        members = [p for p in people if p.wijk_id == wid]
        gid = data.wijken[wid].gebied_id if root == "organisation" else None
        parent = parents.get(gid, top)
        parent.children.append(_Node(f"wijk:{wid}", data.wijken[wid].name, "wijk", parent.key, members))
    return top


def _walk(node: _Node):
    yield node
    for child in node.children:
        yield from _walk(child)


def _plan(node: _Node, count, thresholds: Thresholds, measure: str) -> dict[str, Decision]:
    def to_group(n: _Node) -> Group:
        return Group(n.key, count(n), tuple(to_group(c) for c in n.children))

    return plan_suppression(to_group(node), thresholds, measure=measure)


# --- figures ------------------------------------------------------------------------------------------------

def _score(p: Person, moment: str, scale: str) -> float | None:
    return p.scores.get(moment, {}).get(scale) if moment in p.submitted else None


def pooled_quality(matrices: dict[tuple[str, str], list[list[float | None]]], data: Dataset) -> list[ScaleQuality]:
    out = []
    for (scale, moment), matrix in matrices.items():
        a = st.cronbach_alpha(matrix) if matrix else None
        items = [i.id for i in data.instrument.scale_items(scale) if moment in i.moments]
        out.append(ScaleQuality(scale, data.instrument.scale(scale).title, moment, a.n if a else 0,
                                a.alpha if a else None, items, list(a.item_rest) if a else [None] * len(items)))
    return out


def build_report(data: Dataset, *, moment_from: str, moment_to: str, thresholds: Thresholds,
                 t0_matrices: dict[tuple[str, str], list[list[float | None]]],
                 root: Literal["organisation", "cohort"] = "organisation", n_modules: int = 0) -> Report:
    """Every figure of the monitor for one scope and one pair of moments, with the small-cell rule applied."""
    tree = build_tree(data, root=root)
    nodes = list(_walk(tree))
    scales = data.scales
    quality = pooled_quality(t0_matrices, data)
    reliability = {q.scale: q.alpha for q in quality if q.moment == "T0"}
    # The RCI's SD_T0 is the pooled T0 SD of the whole scope, like the reliability.
    sd_t0 = {s: st.describe([_score(p, "T0", s) for p in tree.members]).sd for s in scales}

    rows: list[GroupFigures] = []
    for scale in scales:
        plan_from = _plan(tree, lambda n: sum(_score(p, moment_from, scale) is not None for p in n.members), thresholds, "n")
        plan_to = _plan(tree, lambda n: sum(_score(p, moment_to, scale) is not None for p in n.members), thresholds, "n")
        plan_pair = _plan(tree, lambda n: sum(_score(p, moment_from, scale) is not None and _score(p, moment_to, scale)
                                              is not None for p in n.members), thresholds, "paired")
        for node in nodes:
            before = [_score(p, moment_from, scale) for p in node.members]
            after = [_score(p, moment_to, scale) for p in node.members]
            d_from, d_to = st.describe(before), st.describe(after)
            rel = reliability.get(scale)
            change = st.paired_change(before, after, reliability=rel if moment_from == "T0" else None,
                                      sd_reference=sd_t0.get(scale))
            row = GroupFigures(node.key, node.name, node.level, node.parent, scale, moment_from, moment_to,
                               n_from=d_from.n, mean_from=d_from.mean, sd_from=d_from.sd,
                               n_to=d_to.n, mean_to=d_to.mean, sd_to=d_to.sd,
                               n_paired=change.n_paired, mean_change=change.mean_change, ci_low=change.ci_low,
                               ci_high=change.ci_high, d_z=change.d_z, g_av=change.g_av,
                               p_t=change.p_t, p_wilcoxon=change.p_wilcoxon)
            rci = change.rci
            if rci is not None and rci.frac_improved is not None:
                row.pct_improved = round_pct(rci.frac_improved)
                row.pct_unchanged = round_pct(rci.frac_unchanged)
                row.pct_deteriorated = round_pct(rci.frac_deteriorated)
            _withhold(row, plan_from[node.key], FROM_FIELDS, "from")
            _withhold(row, plan_to[node.key], TO_FIELDS, "to")
            _withhold(row, plan_pair[node.key], PAIRED_FIELDS, "paired")
            if node.level != "organisation":  # per wijk/gebied/cohort the groups are too small for tests (§3.4)
                for name in TESTS:
                    setattr(row, name, None)
                    if name not in row.suppressed:
                        row.suppressed.append(name)
                row.reasons.setdefault("tests", "toetsen alleen op organisatieniveau")
            rows.append(row)

    flows = _flows(tree, nodes, moment_from, moment_to, thresholds)
    mixed = sum(1 for p in tree.members if moment_from in p.submitted and moment_to in p.submitted
                and p.version.get(moment_from) != p.version.get(moment_to))
    report = Report(moment_from, moment_to, thresholds, [(n.key, n.name, n.level, n.parent) for n in nodes], rows,
                    flows, quality, reliability, mixed, {s.id: s.title for s in data.instrument.scales})
    report.then_test = _then_test(tree, nodes, data, thresholds)
    if tree.level == "organisation":
        report.attrition = _attrition(tree, scales, moment_from, moment_to, thresholds)
        report.learning = _learning(tree, scales, moment_from, moment_to, thresholds, n_modules)
    return report


def _then_test(tree: _Node, nodes: list[_Node], data: Dataset, thresholds: Thresholds) -> list[ThenTest]:
    out = []
    for scale in [s.id for s in data.instrument.scales if s.then_test]:
        def pairs(n: _Node):
            return [(_score(p, "T0", scale), p.then_scores.get(scale)) for p in n.members
                    if "T1" in p.submitted and _score(p, "T0", scale) is not None and p.then_scores.get(scale) is not None]

        plan = _plan(tree, lambda n: len(pairs(n)), thresholds, "paired")
        for node in nodes:
            shown = plan[node.key].shown
            ps = pairs(node)
            change = st.paired_change([a for a, _ in ps], [b for _, b in ps]) if shown else None
            out.append(ThenTest(node.key, node.name, node.level, scale, len(ps) if shown else None,
                                change.mean_from if change else None, change.mean_to if change else None,
                                change.mean_change if change else None, not shown))
    return out


def _attrition(tree: _Node, scales: list[str], moment_from: str, moment_to: str,
               thresholds: Thresholds) -> list[AttritionRow]:
    out = []
    for scale in scales:
        base = [p for p in tree.members if _score(p, moment_from, scale) is not None]
        completers = [_score(p, moment_from, scale) for p in base if moment_to in p.submitted]
        dropouts = [_score(p, moment_from, scale) for p in base if moment_to not in p.submitted]
        show_c, show_d = len(completers) >= thresholds.min_n, len(dropouts) >= thresholds.min_n
        a = st.attrition(completers, dropouts) if show_c and show_d else None
        out.append(AttritionRow(
            scale, len(completers) if show_c else None, st.describe(completers).mean if show_c else None,
            len(dropouts) if show_d else None, st.describe(dropouts).mean if show_d else None,
            a.p_welch if a else None, a.hedges_g if a else None))
    return out


def _learning(tree: _Node, scales: list[str], moment_from: str, moment_to: str, thresholds: Thresholds,
              n_modules: int) -> list[LearningRow]:
    import numpy as np

    out = []
    limit = thresholds.min_paired
    for scale in scales:
        paired = [(p, _score(p, moment_to, scale) - _score(p, moment_from, scale)) for p in tree.members
                  if _score(p, moment_from, scale) is not None and _score(p, moment_to, scale) is not None]
        full = [d for p, d in paired if n_modules and p.modules_completed >= n_modules]
        fewer = [d for p, d in paired if not (n_modules and p.modules_completed >= n_modules)]
        # Both halves must be large enough, or one of them could be derived from the total shown elsewhere.
        show = len(full) >= limit and len(fewer) >= limit
        scored = [(p.mean_check_score, d) for p, d in paired if p.mean_check_score is not None]
        r = None
        if len(scored) >= limit:
            xs, ys = np.array([x for x, _ in scored]), np.array([y for _, y in scored])
            if xs.std() > 0 and ys.std() > 0:
                r = float(np.corrcoef(xs, ys)[0, 1])
        out.append(LearningRow(scale, len(full) if show else None, float(np.mean(full)) if show else None,
                               len(fewer) if show else None, float(np.mean(fewer)) if show else None,
                               len(scored) if len(scored) >= limit else None, r))
    return out


def _withhold(row: GroupFigures, decision: Decision, names: tuple[str, ...], part: str) -> None:
    if decision.shown:
        return
    for name in names:
        setattr(row, name, None)
        row.suppressed.append(name)
    row.reasons[part] = decision.reason.value if decision.reason else "te weinig deelnemers"


def _flows(tree: _Node, nodes: list[_Node], moment_from: str, moment_to: str, thresholds: Thresholds) -> list[GroupFlow]:
    counts = {
        "invited": lambda n: len(n.members),
        "responded_from": lambda n: sum(moment_from in p.submitted for p in n.members),
        "responded_to": lambda n: sum(moment_to in p.submitted for p in n.members),
        "paired": lambda n: sum(moment_from in p.submitted and moment_to in p.submitted for p in n.members),
    }
    plans = {name: _plan(tree, fn, thresholds, "n") for name, fn in counts.items()}
    out = []
    for node in nodes:
        values = {name: fn(node) if plans[name][node.key].shown else None for name, fn in counts.items()}
        suppressed = [name for name, v in values.items() if v is None]
        inv = values["invited"]
        rate_from = round_pct(values["responded_from"] / inv) if inv and values["responded_from"] is not None else None
        rate_to = round_pct(values["responded_to"] / inv) if inv and values["responded_to"] is not None else None
        out.append(GroupFlow(node.key, node.name, node.level, values["invited"], values["responded_from"],
                             values["responded_to"], values["paired"], rate_from, rate_to, suppressed))
    return out
