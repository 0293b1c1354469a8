"""The regie-ondersteuner monitor: per group and scale the change between two moments, with disclosure control.

One call builds every figure for one scope (organisation, optional cohort filter) and one pair of moments. The
same ``GroupFigures`` rows feed the pages, the charts, the JSON API and the exports, so the small-cell rule is
applied once, identically everywhere (``monitor.report.disclosure``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal, cast

import numpy as np

from monitor.report import grouped, lattice, patterns
from monitor.report import statistics as st
from monitor.report.dataset import NO_GEBIED, Columns, Dataset
from monitor.report.disclosure import Decision, Measure, Reason, Thresholds, round_pct
from monitor.report.references import Reference
from training.models import Organisation

Level = Literal["overall", "organisation", "gebied", "wijk", "cohort"]
Root = Literal["organisation", "cohort", "overall"]
TOP_LEVELS = ("overall", "organisation")  # where significance tests, attrition and learning × growth are shown
OVERALL_NAME = "Alle organisaties"
ALPHA_WARNING = 0.70

# Fields of a row that rest on the respondents at one moment, and those that rest on pairs.
FROM_FIELDS = ("n_from", "mean_from", "sd_from")
TO_FIELDS = ("n_to", "mean_to", "sd_to")
PAIRED_FIELDS = (
    "n_paired",
    "sd_from_paired",
    "sd_to_paired",
    "mean_change",
    "ci_low",
    "ci_high",
    "d_z",
    "g_av",
    "p_t",
    "p_wilcoxon",
    "p_holm",
    "pct_improved",
    "pct_unchanged",
    "pct_deteriorated",
)
TESTS = ("p_t", "p_wilcoxon", "p_holm")  # significance tests only where groups are large enough to mean something
CONTEXT_REASON = "contextschaal: alleen beschreven, geen verandering"
NOT_COMPARED_REASON = "niet vergeleken tussen deze momenten"


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
    sd_from_paired: float | None = None  # the SDs of the paired people: the ones g_av divides by
    sd_to_paired: float | None = None
    mean_change: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    d_z: float | None = None
    g_av: float | None = None
    p_t: float | None = None
    p_wilcoxon: float | None = None
    p_holm: float | None = None  # the primary test's p, Holm-adjusted over the outcome scales of this moment pair
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
    rate_to: int | None  # of those whose window for the later moment has closed (``due``), the share who answered
    suppressed: list[str] = field(default_factory=list)
    due: int | None = None  # invited whose window for the later moment has closed
    responded_due: int | None = None  # of them, answered the later moment


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
    """Response shift (docs/domain.md §3.2): the retrospective "vóór de training" rating at T1 against the conventional
    T0."""

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
    n_not_yet_due: int | None = None  # T0, no later moment yet, but its window is still open: not a drop-out

    @property
    def possibly_biased(self) -> bool:
        return (self.p_welch is not None and self.p_welch < 0.05) or (
            self.hedges_g is not None and abs(self.hedges_g) >= 0.3
        )


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
    primary_test: str = "paired_t"  # the pre-registered primary test (instrument's analysis plan)
    references: dict[str, Reference] = field(default_factory=dict)  # the RCI reference per scale, when frozen/given
    then_test: list[ThenTest] = field(default_factory=list)
    attrition: list[AttritionRow] = field(default_factory=list)
    learning: list[LearningRow] = field(default_factory=list)
    # per scale: the people of this view whose scores on it are in no figure, because figures about different
    # moments would give them away (monitor.report.patterns); a count, never who
    left_out: dict[str, int] = field(default_factory=dict)

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
    idx: np.ndarray  # positions of the node's people in Dataset.columns, ascending
    children: list[_Node] = field(default_factory=list)
    leaf: int = -1  # for a wijk: its number in _Tree.leaf_of


@dataclass
class _Tree:
    root: _Node
    nodes: list[_Node]  # tree order: parents before children
    leaf_of: np.ndarray  # per person, the number of their wijk node
    parent: list[int]  # per node the number of its parent (-1: the root)
    number: dict[str, int]  # node key -> its number


def build_tree(data: Dataset, *, root: Root = "organisation") -> _Node:
    """Organisation → gebied → wijk (wijken without gebied hang directly under the organisation); for one cohort,
    cohort → wijk; over every organisation, all organisations → organisation → gebied → wijk. A node's people are
    positions in the data set's columns, in ascending order."""
    c = data.columns
    everyone = np.arange(len(c))
    if root == "cohort":
        assert data.scope.cohort_ids is not None  # a cohort page's scope is that one cohort
        cohort = data.cohorts[data.scope.cohort_ids[0]]
        top = _Node(f"cohort:{cohort.id}", cohort.name, "cohort", None, everyone)
        for wid, idx in sorted(_positions_by(c.wijk_id).items(), key=lambda kv: data.wijken[kv[0]].name):
            top.children.append(_Node(f"wijk:{wid}", data.wijken[wid].name, "wijk", top.key, idx))
        return top
    if root == "overall":
        top = _Node("overall", OVERALL_NAME, "overall", None, everyone)
        cohort_ids, cohort_at = np.unique(c.cohort_id, return_inverse=True)  # a look-up per cohort, not per person
        organisation_of = np.array([data.cohorts[x].organisation_id for x in cohort_ids.tolist()], dtype=np.int64)[
            cohort_at.reshape(-1)
        ]
        by_org = _positions_by(organisation_of)
        for oid in sorted(by_org, key=lambda o: data.organisations[o].name):
            top.children.append(_organisation_node(data, data.organisations[oid], by_org[oid], top.key))
        return top
    assert data.organisation is not None  # only a data set over every organisation has none (root "overall")
    return _organisation_node(data, data.organisation, everyone, None)


def _organisation_node(data: Dataset, organisation: Organisation, idx: np.ndarray, parent: str | None) -> _Node:
    """An organisation's node over the people at ``idx`` (ascending): its gebieden, and under them its wijken."""
    c = data.columns
    node = _Node(f"org:{organisation.id}", organisation.name, "organisation", parent, idx)
    parents: dict[int | None, _Node] = {None: node}
    by_gebied = {g: at for g, at in _positions_by(c.gebied_id[idx]).items() if g != NO_GEBIED}
    for gid, at in sorted(by_gebied.items(), key=lambda kv: data.gebieden[kv[0]].name):
        parents[gid] = _Node(f"gebied:{gid}", data.gebieden[gid].name, "gebied", node.key, idx[at])
        node.children.append(parents[gid])
    for wid, at in sorted(_positions_by(c.wijk_id[idx]).items(), key=lambda kv: data.wijken[kv[0]].name):
        under = parents.get(data.wijken[wid].gebied_id, node)
        under.children.append(_Node(f"wijk:{wid}", data.wijken[wid].name, "wijk", under.key, idx[at]))
    return node


def _positions_by(ids: np.ndarray) -> dict[int, np.ndarray]:
    """{id: the positions holding it, ascending} for an array of ids."""
    if not len(ids):
        return {}
    order = np.argsort(ids, kind="stable")
    values, starts = np.unique(ids[order], return_index=True)
    return dict(zip(values.tolist(), np.split(order, starts[1:]), strict=True))


def _walk(node: _Node) -> Iterator[_Node]:
    yield node
    for child in node.children:
        yield from _walk(child)


def _tree(data: Dataset, root: Root) -> _Tree:
    """The group tree of a dataset, built once per dataset and root."""
    if ("tree", root) not in data.derived:
        data.derived[("tree", root)] = _build(data, root)
    tree: _Tree = data.derived[("tree", root)]
    return tree


def _build(data: Dataset, root: Root) -> _Tree:
    top = build_tree(data, root=root)
    nodes = list(_walk(top))
    leaf_of = np.zeros(len(data), dtype=np.intp)
    for number, node in enumerate(nodes):
        if node.level == "wijk":
            node.leaf = number
            leaf_of[node.idx] = number
    number_of = {n.key: i for i, n in enumerate(nodes)}
    parent = [number_of[n.parent] if n.parent is not None else -1 for n in nodes]
    return _Tree(top, nodes, leaf_of, parent, number_of)


def _groups(data: Dataset, tree: _Tree, nodes: list[_Node]) -> grouped.Groups:
    """The nodes' people as ``grouped.Groups``, built once per dataset and set of nodes."""
    key = ("groups", tree.root.key, tuple(n.key for n in nodes))
    if key not in data.derived:
        data.derived[key] = grouped.Groups([n.idx for n in nodes])
    groups: grouped.Groups = data.derived[key]
    return groups


Spec = tuple[str, ...]  # a measure: ("score", m, s), ("pair", a, b, s), ("then", s), ("submitted", m), ("both", a, b),
#               ("invited",), ("completer", a, b, s), ("dropout", a, b, s)


class _Lattice:
    """The small-cell decisions of one view, planned on the reference data set (``monitor.report.lattice``).

    The reference is the whole organisation (over every organisation for the total of all organisations), without
    the view's filters, so that every view of it — any cohort, period or version filter, a cohort page, a wijk
    page — is judged against the same atoms."""

    def __init__(self, data: Dataset, ref: Dataset, thresholds: Thresholds, today: date) -> None:
        self.thresholds = thresholds
        self.ref = ref.columns
        self.ref_data, self.today = ref, today
        self.filtered = data is not ref
        self.versioned = data.scope.version_ids is not None
        view, rc = data.columns, ref.columns
        self.at = np.searchsorted(rc.enrolment_id, view.enrolment_id)
        if len(view) and (self.at.max() >= len(rc) or np.any(rc.enrolment_id[self.at] != view.enrolment_id)):
            raise ValueError("the view holds people outside its reference data set")
        self.base = patterns.base_columns(ref)

    def _measure(self, spec: Spec) -> tuple[np.ndarray, list[np.ndarray]]:
        return patterns.measure_people(self.ref_data, spec, self.today)

    def plan(
        self, tree: _Tree, nodes: Sequence[_Node], mask: np.ndarray, spec: Spec, measure: Measure
    ) -> dict[str, Decision]:
        """Per node, shown or withheld (and why), for the view's people in ``mask`` counted in ``spec``."""
        threshold = self.thresholds.for_measure(measure)
        ref_mask, versions = self._measure(spec)
        ref_atom, atoms = lattice.atoms_of_people(
            (*self.base, *versions),
            ref_mask,
            threshold,
            cast("lattice.Priority", self.thresholds.priority),  # Thresholds checks it is "wijk" or "cohort"
        )
        atom_of = ref_atom[self.at] if len(self.at) else np.zeros(0, np.intp)
        atom_of = np.where(mask, atom_of, -1)
        if np.any(mask & (atom_of < 0)):  # counted in the view but not in the reference: fail closed
            atom_of = np.where(mask & (atom_of < 0), len(atoms.n), atom_of)
            atoms = lattice.Atoms(atoms.of_cell, np.append(atoms.n, -1), np.append(atoms.safe, False))
        shown = lattice.decide(tree.parent, tree.leaf_of, atom_of, atoms)
        number = tree.number
        out = {}
        for node in nodes:
            n = int(np.count_nonzero(mask[node.idx]))
            ok = bool(shown[number[node.key]])
            reason = None if ok else (Reason.TOO_FEW if n < threshold else Reason.COMPLEMENTARY)
            out[node.key] = Decision(key=node.key, n=n, shown=ok, reason=reason)
        return out


_Matrix = Sequence[Sequence[st.Value]] | np.ndarray  # persons × items (statistics.cronbach_alpha)


# --- figures ------------------------------------------------------------------------------------------------


def pooled_quality(matrices: Mapping[tuple[str, str], _Matrix], data: Dataset) -> list[ScaleQuality]:
    out = []
    for (scale, moment), matrix in matrices.items():
        a = st.cronbach_alpha(matrix) if len(matrix) else None
        items = [i.id for i in data.instrument.scale_items(scale) if moment in i.moments]
        out.append(
            ScaleQuality(
                scale,
                data.instrument.scale(scale).title,
                moment,
                a.n if a else 0,
                a.alpha if a else None,
                items,
                list(a.item_rest) if a else [None] * len(items),
            )
        )
    return out


def build_report(
    data: Dataset,
    *,
    moment_from: str,
    moment_to: str,
    thresholds: Thresholds,
    t0_matrices: dict[tuple[str, str], _Matrix] | None = None,
    quality: list[ScaleQuality] | None = None,
    root: Root = "organisation",
    n_modules: int = 0,
    only: set[str] | None = None,
    ref: Dataset | None = None,
    references: Mapping[str, Reference] | None = None,
    today: date | None = None,
) -> Report:
    """Every figure of the monitor for one scope and one pair of moments, with the small-cell rule applied.

    Reliability comes from ``quality`` (pooled α per scale and moment) or is computed from ``t0_matrices``.
    ``only``: compute rows, flows and then-tests just for these group keys (the suppression plans always cover
    the whole tree, so a row is withheld exactly as in the full report); attrition and learning are left out.
    ``ref``: the data set this view is a part of (the organisation without the view's filters; default ``data``
    itself): small cells are merged on it once, and a group is shown only when it is a union of its atoms
    (``monitor.report.lattice``), so that no two views can be subtracted to reveal a small group.
    ``references``: the RCI reference (α and SD_T0) per scale of the instrument version (``monitor.report.references``),
    the same for every view; without it (hand-made data sets) the pooled T0 α of ``quality`` and the scope's T0 SD.
    """
    today = today or date.today()
    # scores that figures about different moments would give away are left out of every view, and attrition
    # figures that would give one away are withheld (monitor.report.patterns)
    reference = ref if ref is not None else data
    hidden_attrition = patterns.protection(reference, thresholds, today).attrition_withheld
    original = data
    data, ref = patterns.protect(data, reference, thresholds, today)
    left_out = patterns.count_left_out(original, data)
    tree = _tree(data, root)
    lat = _Lattice(data, ref, thresholds, today)
    nodes = tree.nodes
    wanted = nodes if only is None else [n for n in nodes if n.key in only]
    c = data.columns
    scales = data.scales
    if quality is None:
        quality = pooled_quality(t0_matrices or {}, data)
    if references is not None:
        reliability = {s: r.reliability for s, r in references.items()}
        sd_t0 = {s: r.sd_t0 for s, r in references.items()}
    else:
        reliability = {q.scale: q.alpha for q in quality if q.moment == "T0"}
        sd_t0 = {s: st.describe(c.scores[("T0", s)]).sd for s in scales}

    # Descriptives and paired change of every wanted group and scale at once (monitor.report.grouped: the same floats as
    # statistics.describe and paired_change group by group); the tests only where they are shown (organisation).
    groups = _groups(data, tree, wanted)
    columns = [c.scores[(m, s)] for s in scales for m in (moment_from, moment_to)]
    reliabilities = {s: reliability.get(s) if moment_from == "T0" else None for s in scales}
    then_scales = [s.id for s in data.instrument.scales if s.then_test]
    described, changes = grouped.describe_and_pair(
        columns,
        [(c.scores[(moment_from, s)], c.scores[(moment_to, s)], reliabilities[s], sd_t0.get(s)) for s in scales]
        + [(c.scores[("T0", s)], c.then[s], None, None) for s in then_scales],
        groups,
    )

    rows: list[GroupFigures] = []
    for k, scale in enumerate(scales):
        before_all, after_all = c.scores[(moment_from, scale)], c.scores[(moment_to, scale)]
        has_from, has_to = np.isfinite(before_all), np.isfinite(after_all)
        plan_from = lat.plan(tree, wanted, has_from, ("score", moment_from, scale), "n")
        plan_to = lat.plan(tree, wanted, has_to, ("score", moment_to, scale), "n")
        plan_pair = lat.plan(tree, wanted, has_from & has_to, ("pair", moment_from, moment_to, scale), "paired")
        before, after, change = described[2 * k], described[2 * k + 1], changes[k]
        paired = [
            change.column(name)
            for name in (
                "n_paired",
                "sd_from",
                "sd_to",
                "mean_change",
                "ci_low",
                "ci_high",
                "d_z",
                "g_av",
                "rci.frac_improved",
                "rci.frac_unchanged",
                "rci.frac_deteriorated",
            )
        ]
        for g, node in enumerate(wanted):
            row = GroupFigures(node.key, node.name, node.level, node.parent, scale, moment_from, moment_to)
            if plan_from[node.key].shown:
                row.n_from, row.mean_from, row.sd_from = before.n[g], before.mean[g], before.sd[g]
            if plan_to[node.key].shown:
                row.n_to, row.mean_to, row.sd_to = after.n[g], after.mean[g], after.sd[g]
            if plan_pair[node.key].shown:
                n_paired, sd_from, sd_to, mean_change, ci_low, ci_high, d_z, g_av, improved, unchanged, deteriorated = (
                    column[g] for column in paired
                )
                if node.level in TOP_LEVELS:  # per gebied/wijk/cohort too small for tests (docs/domain.md §5.3)
                    row.p_t, row.p_wilcoxon = st.paired_tests(before_all[node.idx], after_all[node.idx])
                row.n_paired, row.mean_change = n_paired, mean_change
                row.sd_from_paired, row.sd_to_paired = sd_from, sd_to
                row.ci_low, row.ci_high, row.d_z, row.g_av = ci_low, ci_high, d_z, g_av
                if improved is not None:
                    row.pct_improved = round_pct(improved)
                    row.pct_unchanged = round_pct(unchanged)
                    row.pct_deteriorated = round_pct(deteriorated)
            if not data.instrument.compared(scale, moment_from, moment_to):
                _not_an_outcome(row, data.instrument.is_outcome(scale))
            _withhold(row, plan_from[node.key], FROM_FIELDS, "from")
            _withhold(row, plan_to[node.key], TO_FIELDS, "to")
            _withhold(row, plan_pair[node.key], PAIRED_FIELDS, "paired")
            if node.level not in TOP_LEVELS:  # per wijk/gebied/cohort too small for tests (docs/domain.md §5.3)
                for name in TESTS:
                    setattr(row, name, None)
                    if name not in row.suppressed:
                        row.suppressed.append(name)
                row.reasons.setdefault("tests", "toetsen alleen op organisatieniveau")
            rows.append(row)

    _adjust_for_multiplicity(rows, data.instrument.analysis.primary_test)
    flows = _flows(lat, tree, wanted, c, moment_from, moment_to, data.is_due(moment_to, today))
    mixed = int(
        np.count_nonzero(
            c.submitted[moment_from] & c.submitted[moment_to] & (c.version[moment_from] != c.version[moment_to])
        )
    )
    report = Report(
        moment_from,
        moment_to,
        thresholds,
        [(n.key, n.name, n.level, n.parent) for n in nodes],
        rows,
        flows,
        quality,
        reliability,
        mixed,
        {s.id: s.title for s in data.instrument.scales},
        data.instrument.analysis.primary_test,
        dict(references or {}),
    )
    report.left_out = left_out
    report.then_test = _then_test(lat, tree, wanted, dict(zip(then_scales, changes[len(scales) :], strict=True)), c)
    if tree.root.level in TOP_LEVELS and only is None:
        # Attrition compares T0-only people with completers: on one instrument version the two would be defined
        # by the version filter, not by who dropped out; and for a run of cohorts it would add a figure per run
        # that the protection across moments (monitor.report.patterns) must weigh. Shown without filters only.
        compared = [s for s in scales if data.instrument.compared(s, moment_from, moment_to)]
        if not lat.filtered:
            due = data.is_due(moment_to, today)
            report.attrition = _attrition(
                lat, tree, c, compared, moment_from, moment_to, thresholds, due, hidden_attrition
            )
        # Learning × growth splits people by progress, which no atom follows: shown for the whole scope only,
        # so there is exactly one table of it to compare with.
        if not lat.filtered:
            done = patterns.completed_all_modules(c, n_modules)
            pairs = {s: [p for p in patterns.PAIRS if data.instrument.compared(s, *p)] for s in compared}
            # figures about different moments, learning × growth among them, must not give anyone away either
            withheld = patterns.learning_withheld(data, thresholds, today, done, pairs, hidden_attrition)
            report.learning = _learning(c, compared, moment_from, moment_to, thresholds, done, withheld)
    return report


def _then_test(
    lat: _Lattice, tree: _Tree, nodes: list[_Node], changes: dict[str, grouped.Changes], c: Columns
) -> list[ThenTest]:
    """Per then-test scale and group: T0 against the retrospective rating (``changes``: their paired change)."""
    out = []
    for scale, change in changes.items():
        t0, then = c.scores[("T0", scale)], c.then[scale]
        complete = np.isfinite(t0) & np.isfinite(then)
        plan = lat.plan(tree, nodes, complete, ("then", scale), "paired")
        figures = [change.column(name) for name in ("n_paired", "mean_from", "mean_to", "mean_change")]
        for g, node in enumerate(nodes):
            shown = plan[node.key].shown
            n, mean_t0, mean_then, difference = (column[g] if shown else None for column in figures)
            out.append(ThenTest(node.key, node.name, node.level, scale, n, mean_t0, mean_then, difference, not shown))
    return out


def _attrition(
    lat: _Lattice,
    tree: _Tree,
    c: Columns,
    scales: list[str],
    moment_from: str,
    moment_to: str,
    thresholds: Thresholds,
    due: np.ndarray,
    hidden: Collection[tuple[str, str, str]] = (),
) -> list[AttritionRow]:
    """Completers against drop-outs; a drop-out is someone whose window for the later moment has closed without a
    response. Those whose window is still open are not yet due and belong to neither group. ``hidden``: (scale,
    earlier, later) whose figures would, with the other moments', give away a small group's scores."""
    out = []
    later = c.submitted[moment_to]
    for scale in scales:
        base = c.scores[(moment_from, scale)]
        is_c, is_d = np.isfinite(base) & later, np.isfinite(base) & ~later & due
        waiting = int(np.count_nonzero(np.isfinite(base) & ~later & ~due))
        completers, dropouts = base[is_c], base[is_d]
        show_c = lat.plan(tree, [tree.root], is_c, ("completer", moment_from, moment_to, scale), "n")[
            tree.root.key
        ].shown
        show_d = lat.plan(tree, [tree.root], is_d, ("dropout", moment_from, moment_to, scale), "n")[tree.root.key].shown
        show_c, show_d = show_c and completers.size >= thresholds.min_n, show_d and dropouts.size >= thresholds.min_n
        if (scale, moment_from, moment_to) in hidden:
            show_c = show_d = False
        a = st.attrition(completers, dropouts) if show_c and show_d else None
        out.append(
            AttritionRow(
                scale,
                int(completers.size) if show_c else None,
                st.describe(completers).mean if show_c else None,
                int(dropouts.size) if show_d else None,
                st.describe(dropouts).mean if show_d else None,
                a.p_welch if a else None,
                a.hedges_g if a else None,
                waiting if waiting >= thresholds.min_n or waiting == 0 else None,
            )
        )
    return out


def _learning(
    c: Columns,
    scales: list[str],
    moment_from: str,
    moment_to: str,
    thresholds: Thresholds,
    full_mask: np.ndarray,
    withheld: Collection[tuple[str, str, str]] = (),
) -> list[LearningRow]:
    """Change by learning; ``full_mask``: completed every module; ``withheld``: (scale, earlier, later) whose
    halves would, with the other figures, give away a small group's scores (``patterns.learning_withheld``)."""
    out = []
    limit = thresholds.min_paired
    check = c.mean_check
    for scale in scales:
        diff = c.scores[(moment_to, scale)] - c.scores[(moment_from, scale)]
        paired = np.isfinite(diff)
        full, fewer = diff[paired & full_mask], diff[paired & ~full_mask]
        # Both halves must be large enough, or one of them could be derived from the total shown elsewhere.
        show = full.size >= limit and fewer.size >= limit and (scale, moment_from, moment_to) not in withheld
        scored = paired & np.isfinite(check)
        r = None
        if np.count_nonzero(scored) >= limit:
            xs, ys = check[scored], diff[scored]
            if xs.std() > 0 and ys.std() > 0:
                r = float(np.corrcoef(xs, ys)[0, 1])
        n_scored = int(np.count_nonzero(scored))
        out.append(
            LearningRow(
                scale,
                int(full.size) if show else None,
                float(np.mean(full)) if show else None,
                int(fewer.size) if show else None,
                float(np.mean(fewer)) if show else None,
                n_scored if n_scored >= limit else None,
                r,
            )
        )
    return out


def _adjust_for_multiplicity(rows: list[GroupFigures], primary_test: str) -> None:
    """Holm over the primary test of every outcome scale shown for one group and moment pair (the family: the
    scales of one moment pair, where the tests are shown); the other test stays an unadjusted sensitivity check."""
    by_group: dict[str, list[GroupFigures]] = {}
    for row in rows:
        if row.level in TOP_LEVELS:
            by_group.setdefault(row.group_key, []).append(row)
    for family in by_group.values():
        primary = [row.p_t if primary_test == "paired_t" else row.p_wilcoxon for row in family]
        for row, adjusted in zip(family, st.holm(primary), strict=True):
            row.p_holm = adjusted


def _not_an_outcome(row: GroupFigures, outcome: bool) -> None:
    """A context scale, or an outcome between moments the analysis plan does not compare: described, no change."""
    for name in PAIRED_FIELDS:
        setattr(row, name, None)
        if name not in row.suppressed:
            row.suppressed.append(name)
    row.reasons["paired"] = NOT_COMPARED_REASON if outcome else CONTEXT_REASON


def _withhold(row: GroupFigures, decision: Decision, names: tuple[str, ...], part: str) -> None:
    if decision.shown:
        return
    for name in names:
        setattr(row, name, None)
        if name not in row.suppressed:
            row.suppressed.append(name)
    row.reasons.setdefault(part, decision.reason.value if decision.reason else "te weinig deelnemers")


def _flows(
    lat: _Lattice, tree: _Tree, nodes: list[_Node], c: Columns, moment_from: str, moment_to: str, due: np.ndarray
) -> list[GroupFlow]:
    had_from, had_to = c.submitted[moment_from], c.submitted[moment_to]
    masks = {
        "invited": (np.ones(len(c), bool), ("invited",)),
        "responded_from": (had_from, ("submitted", moment_from)),
        "responded_to": (had_to, ("submitted", moment_to)),
        "paired": (had_from & had_to, ("both", moment_from, moment_to)),
        "due": (due, ("due", moment_to)),
        "responded_due": (had_to & due, ("responded_due", moment_to)),
    }
    plans = {name: lat.plan(tree, nodes, mask, spec, "n") for name, (mask, spec) in masks.items()}
    masks = {name: mask for name, (mask, _) in masks.items()}
    out = []
    for node in nodes:
        values = {
            name: int(np.count_nonzero(mask[node.idx])) if plans[name][node.key].shown else None
            for name, mask in masks.items()
        }
        suppressed = [name for name, v in values.items() if v is None]
        inv = values["invited"]
        rate_from = round_pct(values["responded_from"] / inv) if inv and values["responded_from"] is not None else None
        due_n, answered = values["due"], values["responded_due"]
        # over closed windows only: someone whose window is still open has not had the chance to answer
        rate_to = round_pct(answered / due_n) if due_n and answered is not None else None
        out.append(
            GroupFlow(
                node.key,
                node.name,
                node.level,
                values["invited"],
                values["responded_from"],
                values["responded_to"],
                values["paired"],
                rate_from,
                rate_to,
                suppressed,
                values["due"],
                values["responded_due"],
            )
        )
    return out
