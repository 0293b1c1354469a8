"""Disclosure control: hand cases for primary and complementary suppression, and properties over random trees."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.report.disclosure import Decision, Group, Reason, Thresholds, plan_suppression, redact, round_pct


def wijk(key: str, n: int) -> Group:
    return Group(key, n)


def parent(key: str, *children: Group, residual: int = 0) -> Group:
    return Group(key, sum(c.n for c in children) + residual, children)


def withheld(plan: dict[str, Decision]) -> dict[str, Reason]:
    return {key: d.reason for key, d in plan.items() if not d.shown}


# --- hand cases ------------------------------------------------------------------------------------------------------


def test_big_wijken_are_all_shown():
    plan = plan_suppression(parent("org", wijk("a", 12), wijk("b", 5), wijk("c", 30)))
    assert withheld(plan) == {}
    assert plan["b"] == Decision(key="b", n=5, shown=True, reason=None)


def test_one_small_wijk_among_big_ones_also_hides_the_next_smallest():
    plan = plan_suppression(parent("org", wijk("a", 3), wijk("b", 20), wijk("c", 25), wijk("d", 15)))
    assert withheld(plan) == {"a": Reason.TOO_FEW, "d": Reason.COMPLEMENTARY}
    assert plan["org"].shown


def test_two_small_wijken_summing_to_the_threshold_hide_only_themselves():
    plan = plan_suppression(parent("org", wijk("a", 3), wijk("b", 2), wijk("c", 25), wijk("d", 23)))
    assert withheld(plan) == {"a": Reason.TOO_FEW, "b": Reason.TOO_FEW}


def test_two_small_wijken_below_the_threshold_together_hide_a_third():
    plan = plan_suppression(parent("org", wijk("a", 2), wijk("b", 1), wijk("c", 25), wijk("d", 23)))
    assert withheld(plan) == {"a": Reason.TOO_FEW, "b": Reason.TOO_FEW, "d": Reason.COMPLEMENTARY}


def test_ties_in_size_are_broken_by_key():
    plan = plan_suppression(parent("org", wijk("z", 2), wijk("c", 9), wijk("b", 9), wijk("d", 9)))
    assert withheld(plan) == {"z": Reason.TOO_FEW, "b": Reason.COMPLEMENTARY}


def test_a_parent_below_the_threshold_is_withheld_with_everything_below_it():
    plan = plan_suppression(parent("org", wijk("a", 2), wijk("b", 2)))
    assert withheld(plan) == {"org": Reason.TOO_FEW, "a": Reason.TOO_FEW, "b": Reason.TOO_FEW}


def test_a_small_wijk_is_reported_at_gebied_level_only():
    # Noord = 8 + 4: the 4 is withheld, and the 8 too, since Noord − 8 would give the 4 back. Zuid is untouched.
    tree = parent(
        "org",
        parent("noord", wijk("n1", 8), wijk("n2", 4)),
        parent("zuid", wijk("z1", 20), wijk("z2", 22)),
    )
    plan = plan_suppression(tree)
    assert withheld(plan) == {"n2": Reason.TOO_FEW, "n1": Reason.COMPLEMENTARY}
    assert plan["noord"].shown and plan["org"].shown


def test_a_small_gebied_hides_another_gebied_and_enough_below_it():
    # Noord (4) is withheld. Hiding Zuid alone would not help: its shown wijken add up to it. So one of Zuid's
    # wijken goes too, and org − z2 only gives Noord + z1 together (24 people).
    tree = parent(
        "org",
        parent("noord", wijk("n1", 3), wijk("n2", 1)),
        parent("zuid", wijk("z1", 20), wijk("z2", 20)),
    )
    assert withheld(plan_suppression(tree)) == {
        "noord": Reason.TOO_FEW,
        "n1": Reason.TOO_FEW,
        "n2": Reason.TOO_FEW,
        "zuid": Reason.COMPLEMENTARY,
        "z1": Reason.COMPLEMENTARY,
    }


def test_a_gebied_that_adds_people_is_preferred_over_a_smaller_one_fully_covered_by_its_wijken():
    tree = parent(
        "org",
        wijk("klein", 3),
        parent("oost", wijk("o1", 10), wijk("o2", 10)),  # 20, but its wijken would give it back
        wijk("west", 25),
    )
    assert withheld(plan_suppression(tree)) == {"klein": Reason.TOO_FEW, "west": Reason.COMPLEMENTARY}


def test_a_small_residual_is_protected_like_a_small_wijk():
    # 3 people have no wijk: org − (a + b) would describe exactly them.
    plan = plan_suppression(parent("org", wijk("a", 20), wijk("b", 30), residual=3))
    assert withheld(plan) == {"a": Reason.COMPLEMENTARY}


def test_a_large_residual_may_be_derived_and_may_cover_a_small_wijk():
    assert withheld(plan_suppression(parent("org", wijk("a", 20), wijk("b", 30), residual=6))) == {}
    plan = plan_suppression(parent("org", wijk("a", 2), wijk("b", 30), residual=6))
    assert withheld(plan) == {"a": Reason.TOO_FEW}  # subtraction gives a + residual: 8 people


def test_an_only_child_with_the_same_n_is_treated_as_the_same_group():
    assert withheld(plan_suppression(parent("org", parent("noord", wijk("n1", 12))))) == {}
    small = plan_suppression(parent("org", parent("noord", wijk("n1", 4))))
    assert set(withheld(small)) == {"org", "noord", "n1"}


def test_an_only_child_with_a_small_remainder_is_withheld():
    plan = plan_suppression(parent("org", wijk("a", 10), residual=2))
    assert withheld(plan) == {"a": Reason.COMPLEMENTARY}


def test_empty_wijken_need_no_protection():
    plan = plan_suppression(parent("org", wijk("leeg", 0), wijk("b", 20), wijk("c", 30)))
    assert withheld(plan) == {"leeg": Reason.TOO_FEW}


def test_paired_figures_use_the_paired_threshold():
    tree = parent("org", wijk("a", 8), wijk("b", 12), wijk("c", 30))
    assert withheld(plan_suppression(tree, measure="n")) == {}
    assert withheld(plan_suppression(tree, measure="paired")) == {"a": Reason.TOO_FEW, "b": Reason.COMPLEMENTARY}
    assert withheld(plan_suppression(tree, Thresholds(min_n=5, min_paired=6), measure="paired")) == {}


def test_reasons_read_in_dutch():
    assert str(Reason.TOO_FEW) == "te weinig deelnemers"
    assert str(Reason.COMPLEMENTARY) == "aanvullend afgeschermd"


def test_redact_blanks_the_figures_of_withheld_groups():
    plan = plan_suppression(parent("org", wijk("a", 3), wijk("b", 20), wijk("c", 25)))
    figures = {"org": 3.4, "a": 2.9, "b": 3.5, "c": 3.3}
    assert redact(plan, figures) == {"org": 3.4, "a": None, "b": None, "c": 3.3}
    with pytest.raises(KeyError):
        redact(plan, {"onbekend": 1.0})


@pytest.mark.parametrize(
    "tree",
    [
        lambda: Group("org", 5, (Group("a", 3), Group("b", 3))),
        lambda: Group("org", -1),
        lambda: parent("org", wijk("a", 3), wijk("a", 4)),
    ],
    ids=["children exceed parent", "negative n", "duplicate key"],
)
def test_inconsistent_trees_are_refused(tree):
    with pytest.raises(ValueError):
        plan_suppression(tree())


@pytest.mark.parametrize("kwargs", [{"min_n": 0}, {"min_paired": -3}, {"min_n": 2.5}])
def test_thresholds_must_be_positive_whole_numbers(kwargs):
    with pytest.raises(ValueError):
        Thresholds(**kwargs)


def test_unknown_measure_is_refused():
    with pytest.raises(ValueError):
        plan_suppression(wijk("a", 10), measure="mean")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fraction", "pct"),
    [(0.125, 13), (0.285, 29), (0.124999, 12), (1 / 3, 33), (2 / 3, 67), (0.005, 1), (0, 0), (1, 100), (-0.125, -13)],
)
def test_round_pct_rounds_halves_up_to_whole_percentages(fraction, pct):
    assert round_pct(fraction) == pct


def test_round_pct_refuses_non_numbers():
    with pytest.raises(ValueError):
        round_pct(float("nan"))


# --- properties over random trees ------------------------------------------------------------------------------------


@st.composite
def trees(draw, max_depth: int = 3, max_children: int = 5):
    """Random organisation trees: gebieden optional (wijken may hang from the organisation), residuals sometimes."""

    def build(key: str, depth: int) -> Group:
        is_leaf = depth == max_depth - 1 or (depth > 0 and draw(st.booleans()))
        if is_leaf:
            return Group(key, draw(st.one_of(st.integers(0, 7), st.integers(0, 40))))
        count = draw(st.integers(1, max_children))
        children = tuple(build(f"{key}.{i}", depth + 1) for i in range(count))
        residual = draw(st.one_of(st.just(0), st.integers(0, 8)))
        return Group(key, sum(c.n for c in children) + residual, children)

    return build("org", 0)


thresholds = st.builds(Thresholds, min_n=st.integers(1, 12), min_paired=st.integers(1, 15))


def _shuffled(group: Group, rng: random.Random) -> Group:
    children = [_shuffled(c, rng) for c in group.children]
    rng.shuffle(children)
    return Group(group.key, group.n, tuple(children))


@settings(max_examples=400, deadline=None)
@given(tree=trees(), limits=thresholds, measure=st.sampled_from(["n", "paired"]), seed=st.integers(0, 2**16))
def test_plans_are_safe_and_deterministic(tree, limits, measure, seed):
    threshold = limits.for_measure(measure)
    plan = plan_suppression(tree, limits, measure=measure)
    groups = list(tree.walk())
    assert set(plan) == {g.key for g in groups}

    for g in groups:
        decision = plan[g.key]
        # (a) nothing shown below the threshold; primary reason exactly for the small groups
        assert decision.shown or decision.reason is not None
        assert (decision.reason is Reason.TOO_FEW) == (g.n < threshold)
        # (b) under a shown parent, subtraction yields nothing, or ≥ threshold people spread over ≥ 2 withheld parts
        #     (the residual, people in no child, counts as a part that is never shown; alone it may be derived)
        if decision.shown and g.children:
            parts = [c.n for c in g.children if not plan[c.key].shown and c.n > 0]
            parts += [g.residual] if g.residual > 0 else []
            if parts:
                assert sum(parts) >= threshold
                assert len(parts) >= 2 or (g.residual > 0 and len(parts) == 1)

    # (c) deterministic, and independent of the order in which children are listed
    assert plan_suppression(tree, limits, measure=measure) == plan
    assert plan_suppression(_shuffled(tree, random.Random(seed)), limits, measure=measure) == plan


def _atoms(tree: Group) -> dict[str, list[str]]:
    """Each group's people as disjoint atoms: the leaves and each parent's residual."""
    members: dict[str, list[str]] = {}

    def visit(group: Group) -> list[str]:
        own = [group.key] if not group.children else ([f"{group.key}~rest"] if group.residual else [])
        found = own + [atom for child in group.children for atom in visit(child)]
        members[group.key] = found
        return found

    visit(tree)
    return members


def _atom_sizes(tree: Group) -> dict[str, int]:
    sizes: dict[str, int] = {}
    for g in tree.walk():
        if not g.children:
            sizes[g.key] = g.n
        elif g.residual:
            sizes[f"{g.key}~rest"] = g.residual
    return sizes


@settings(max_examples=250, deadline=None)
@given(tree=trees(max_children=4), min_n=st.integers(2, 12))
def test_no_small_group_can_be_derived_from_the_shown_totals(tree, min_n):
    """Brute force over linear algebra: no combination of shown totals gives the total of fewer than min_n people.

    Every shown figure is a sum over its atoms. A set of atoms is derivable iff its indicator lies in the row space
    of the shown groups' indicators. Empty atoms are treated as known.
    """
    limits = Thresholds(min_n=min_n)
    plan = plan_suppression(tree, limits)
    sizes = _atom_sizes(tree)
    positive = [a for a, size in sizes.items() if size > 0]
    if not positive or len(positive) > 12:
        return
    index = {a: i for i, a in enumerate(positive)}
    members = _atoms(tree)
    rows = []
    for key, decision in plan.items():
        if decision.shown:
            row = np.zeros(len(positive))
            row[[index[a] for a in members[key] if a in index]] = 1.0
            rows.append(row)
    subsets = np.array(list(itertools.product([0.0, 1.0], repeat=len(positive)))[1:])
    mass = subsets @ np.array([sizes[a] for a in positive], dtype=float)
    small = subsets[mass < min_n]
    if not rows or not len(small):
        return
    _, singular, vt = np.linalg.svd(np.array(rows), full_matrices=False)
    basis = vt[singular > 1e-9]
    leftover = small - (small @ basis.T) @ basis
    derivable = np.linalg.norm(leftover, axis=1) < 1e-7
    assert not derivable.any(), [[positive[i] for i in np.flatnonzero(s)] for s in small[derivable]]
