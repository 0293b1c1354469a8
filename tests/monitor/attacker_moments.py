"""A stronger attacker than ``tests.monitor.attacker``: it also combines figures about different moments.

The monitor's atoms are planned per measure, so a group's mean at T0 over everyone, its mean at T1 and its mean
change over the pairs could be combined into the T0 scores of those without T1; ``monitor.report.patterns`` leaves
out what such combinations would give away (docs/disclosure.md, "Figures about different moments"). This attacker
looks for them independently: ``test_disclosure_attack.py`` runs it on randomised organisations and shows that it
finds the combinations when the protection is switched off.

Every figure the monitor publishes about a group is a sum over the group's people: its n a count, n × mean a sum of
their scores at one moment, n × mean change a sum of (later − earlier) over the pairs. The attacker knows, for each
*unit* — the people of one wijk and cohort with the same instrument versions and the same response pattern (which
moments they have a score on the scale, a then-test, a submitted response) — which figures it enters, but not who
is in it. Unknowns: per unit its count, and per unit and moment the sum of its scores (T0, T1, T2, then-test).
Every published n is an equation in the counts; every published mean, mean change and then-test mean an equation
in the sums (a change enters with +1 for the later moment and −1 for the earlier). A unit or a withheld figure is
*determined* when its vector lies in the row space of the published equations: the distance from the vector to
that space (an orthonormal basis from the SVD of the equation matrix) is zero up to rounding (1e-6).

Targets: every unit of fewer than ``min_n`` people (each of its sums and its change between two moments; its
count too with ``counts_known=False``) and every withheld figure about fewer than ``min_n`` people; ``strict=True``
adds every withheld figure and the changes of units of fewer than ``min_paired``. ``Attack.add_report`` reads a
report exactly as a page, the API or an export shows it (rows, flows, then-test, attrition, learning × growth: with
``done`` given, the units are split by who completed every module and the table's two halves are equations too);
``Attack.findings`` lists what could be pinned down. Empty units are left out: the attacker is assumed to know them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from monitor.report.dataset import Dataset
from tests.monitor.attacker import ReportReader, ViewFilter

MOMENTS = ("T0", "T1", "T2")
VARIABLES = ("T0", "T1", "T2", "then")


@dataclass
class _Family:
    unit_of: np.ndarray  # per person of the reference, their unit
    n: np.ndarray  # people per unit
    wijk: np.ndarray
    cohort: np.ndarray
    gebied: np.ndarray
    version: dict[str, np.ndarray]  # moment -> version per unit
    finite: dict[str, np.ndarray]  # variable -> unit has it (scale families)
    submitted: dict[str, np.ndarray]  # moment -> unit submitted
    done: np.ndarray | None = None  # unit completed every module (scale families, when the reports show learning)


@dataclass
class Attack(ReportReader):
    ref: Dataset  # the whole organisation: the ground truth the attacker's equations are about
    min_n: int
    min_paired: int
    # Who answered when is known to the group's trainer (per person) and published per group in the response flow;
    # the monitor protects scores, not response patterns (docs/disclosure.md). False: counts are targets too.
    counts_known: bool = True
    # strict: every withheld figure and every change of fewer than ``min_paired`` pairs is a target; otherwise only
    # figures about fewer than ``min_n`` people (docs/disclosure.md: the pairs' threshold is about precision).
    strict: bool = False
    counts: dict[str, set[bytes]] = field(default_factory=lambda: defaultdict(set))
    sums: dict[str, set[bytes]] = field(default_factory=lambda: defaultdict(set))
    withheld: dict[str, list[tuple[str, np.ndarray, list[np.ndarray]]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    shown_too_small: list[str] = field(default_factory=list)
    # Per person of ``ref``: completed every module (the learning × growth table's split; the group's trainer sees
    # each trainee's progress). None: the reports show no learning × growth.
    done: np.ndarray | None = None
    _families: dict[str, _Family] = field(default_factory=dict)
    _seen: dict[tuple, tuple] = field(default_factory=dict)

    def family(self, name: str) -> _Family:
        """ "flow", or a scale id: its units."""
        if name not in self._families:
            c = self.ref.columns
            submitted = [c.submitted[m] for m in MOMENTS]
            finite = (
                []
                if name == "flow"
                else [np.isfinite(c.scores[(m, name)]) for m in MOMENTS] + [np.isfinite(c.then[name])]
            )
            split = [self.done] if self.done is not None and name != "flow" else []
            keys = np.column_stack(
                [c.wijk_id, c.cohort_id, c.gebied_id, *[c.version[m] for m in MOMENTS], *submitted, *finite, *split]
            ).astype(np.int64)
            units, unit_of, n = np.unique(keys, axis=0, return_inverse=True, return_counts=True)
            self._families[name] = _Family(
                unit_of.reshape(-1),
                n,
                units[:, 0],
                units[:, 1],
                units[:, 2],
                {m: units[:, 3 + k] for k, m in enumerate(MOMENTS)},
                {v: units[:, 9 + k].astype(bool) for k, v in enumerate(VARIABLES)} if finite else {},
                {m: units[:, 6 + k].astype(bool) for k, m in enumerate(MOMENTS)},
                units[:, 13].astype(bool) if split else None,
            )
        return self._families[name]

    def add_report(self, report, flt: ViewFilter) -> None:
        super().add_report(report, flt)
        a, b = report.moment_from, report.moment_to
        for row in report.learning:
            if row.n_all_modules is None and row.n_fewer_modules is None:
                continue
            assert flt == ViewFilter(), "learning × growth is shown in the unfiltered overview only"
            f = self.family(row.scale)
            assert f.done is not None, "the reports show learning × growth: give the attacker who completed"
            pairs = f.finite[a] & f.finite[b]
            for half, n in ((pairs & f.done, row.n_all_modules), (pairs & ~f.done, row.n_fewer_modules)):
                assert n == int(f.n[half].sum()), f"learning {row.scale} {a}→{b}: published n {n}"
                vec = np.zeros((len(f.n), len(VARIABLES)), np.int8)
                vec[half, VARIABLES.index(b)] = 1
                vec[half, VARIABLES.index(a)] = -1
                self.sums[row.scale].add(vec.reshape(-1).tobytes())

    def _functional(self, spec: tuple, key: str, flt: ViewFilter) -> tuple[str, np.ndarray, list[np.ndarray]]:
        """(family, count coefficients per unit, sum coefficients per unit × variable) of a published figure."""
        kind = spec[0]
        name = "flow" if kind in ("submitted", "both", "invited") else spec[-1]
        f = self.family(name)
        members = np.ones(len(f.n), bool)
        group, _, ident = key.partition(":")
        if group == "gebied":
            members &= f.gebied == int(ident)
        elif group == "wijk":
            members &= f.wijk == int(ident)
        elif group == "cohort":
            members &= f.cohort == int(ident)
        if flt.cohorts is not None:
            members &= np.isin(f.cohort, list(flt.cohorts))
        moments: tuple[str, ...]
        terms: list[dict[str, int]]
        if kind == "score":
            moments, has, terms = (spec[1],), f.finite[spec[1]], [{spec[1]: 1}]
        elif kind == "pair":
            moments, has, terms = (spec[1], spec[2]), f.finite[spec[1]] & f.finite[spec[2]], [{spec[2]: 1, spec[1]: -1}]
        elif kind == "then":
            moments, has, terms = ("T0", "T1"), f.finite["T0"] & f.finite["then"], [{"T0": 1}, {"then": 1}]
        elif kind in ("completer", "dropout"):
            later = f.submitted[spec[2]] if kind == "completer" else ~f.submitted[spec[2]]
            moments, has, terms = (spec[1],), f.finite[spec[1]] & later, [{spec[1]: 1}]
        elif kind == "submitted":
            moments, has, terms = (spec[1],), f.submitted[spec[1]], []
        elif kind == "both":
            moments, has, terms = (spec[1], spec[2]), f.submitted[spec[1]] & f.submitted[spec[2]], []
        else:  # invited
            moments, has, terms = (), np.ones(len(f.n), bool), []
        members &= has
        if flt.version is not None:
            for m in moments:
                members &= f.version[m] == flt.version
        sums = []
        for term in terms:
            vec = np.zeros((len(f.n), len(VARIABLES)), np.int8)
            for variable, sign in term.items():
                vec[members, VARIABLES.index(variable)] = sign
            sums.append(vec.reshape(-1))
        return name, members.astype(np.int8), sums

    def _see(self, label: str, spec: tuple, key: str, flt: ViewFilter, value: int | None) -> None:
        if (spec, key, flt) not in self._seen:
            name, count, sums = self._functional(spec, key, flt)
            self._seen[(spec, key, flt)] = name, count, sums, int(self.family(name).n @ count)
        name, count, sums, n = self._seen[(spec, key, flt)]
        limit = self.min_paired if spec[0] in ("pair", "then") else self.min_n
        if value is None:
            if n > 0 and (self.strict or n < self.min_n):
                self.withheld[name].append((f"{label} {key} {flt} (n={n})", count, sums))
            return
        assert value == n, f"{label} {key} {flt}: published n {value} but the group holds {n}"
        if n < limit:
            self.shown_too_small.append(f"{label} {key} {flt}: n={n}")
        self.counts[name].add(count.tobytes())
        for vec in sums:
            self.sums[name].add(vec.tobytes())

    # --- what can be pinned down ----------------------------------------------------------------------------------
    def findings(self) -> list[str]:
        out = list(self.shown_too_small)
        for name in sorted(set(self.counts) | set(self.withheld)):
            f = self.family(name)
            small = np.flatnonzero(f.n < self.min_n)
            count_basis = _basis(self.counts.get(name, ()), len(f.n))
            sum_basis = _basis(self.sums.get(name, ()), len(f.n) * len(VARIABLES))
            targets: list[tuple[str, np.ndarray, np.ndarray]] = (
                []
                if self.counts_known
                else [(f"{name}: count of unit {u} (n={f.n[u]})", np.eye(len(f.n))[u], count_basis) for u in small]
            )
            for u in small:
                for k, variable in enumerate(VARIABLES):
                    if name != "flow" and f.finite[variable][u]:
                        vec = np.zeros(len(f.n) * len(VARIABLES))
                        vec[u * len(VARIABLES) + k] = 1
                        targets.append((f"{name}: sum of {variable} of unit {u} (n={f.n[u]})", vec, sum_basis))
            # A change over fewer pairs than the pairs' threshold is a figure about too few pairs as well.
            paired_limit = max(self.min_n, self.min_paired) if self.strict else self.min_n
            for u in np.flatnonzero(f.n < paired_limit) if name != "flow" else ():
                for first, second in (("T0", "T1"), ("T0", "T2"), ("T1", "T2"), ("T0", "then")):
                    if f.finite[first][u] and f.finite[second][u]:
                        vec = np.zeros(len(f.n) * len(VARIABLES))
                        vec[u * len(VARIABLES) + VARIABLES.index(second)] = 1
                        vec[u * len(VARIABLES) + VARIABLES.index(first)] = -1
                        targets.append((f"{name}: change {first}→{second} of unit {u} (n={f.n[u]})", vec, sum_basis))
            for label, count, sums in self.withheld.get(name, []):
                if not self.counts_known:
                    targets.append((f"{name}: withheld n of {label}", count.astype(float), count_basis))
                targets += [(f"{name}: withheld sum of {label}", vec.astype(float), sum_basis) for vec in sums]
            for label, vec, basis in targets:
                if basis.shape[0] and np.linalg.norm(vec - basis.T @ (basis @ vec)) < 1e-6:
                    out.append(f"{label} is determined")
        return out


def _basis(rows, width: int) -> np.ndarray:
    """An orthonormal basis (rows) of the space spanned by the equations ``rows`` (bytes of int8 vectors)."""
    if not rows:
        return np.zeros((0, width))
    matrix = np.array([np.frombuffer(r, np.int8) for r in rows], float)
    _, sv, vt = np.linalg.svd(matrix, full_matrices=False)
    return vt[: int(np.count_nonzero(sv > 1e-8 * max(1.0, sv[0])))]
