"""Answering a knowledge check whose options are shuffled: find where each option is shown, send its position."""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable, Collection

from training import knowledge_checks
from training.content import Module, Question, positions_of

Pick = Callable[[Question], Collection[str]]  # the option ids to choose for a question


def right(question: Question) -> Collection[str]:
    return question.correct_option_ids


def wrong(question: Question) -> Collection[str]:
    return [next(o.id for o in question.options if o.id not in question.correct_option_ids)]


def shown_order(page: str, question: Question) -> list[str]:
    """The option ids of a question in the order the quiz page shows them (read from the labels' text)."""
    by_text = {option.text: option.id for option in question.options}
    labels = re.findall(rf'<label for="q-{re.escape(question.id)}-(\d+)">(.*?)</label>', page, re.S)
    return [by_text[html_lib.unescape(text)] for _, text in sorted(labels, key=lambda item: int(item[0]))]


def form_for(page: str, module: Module, pick: Pick = right) -> dict[str, list[str]]:
    """Form data for the quiz page ``page``: for each question the positions of the picked options."""
    data: dict[str, list[str]] = {}
    for question in module.knowledge_check.questions:
        order = shown_order(page, question)
        data[f"q-{question.id}"] = [str(order.index(option_id) + 1) for option_id in pick(question)]
    return data


def answer(client, module: Module, pick: Pick = right, **kwargs):
    """Open the check in ``client`` and submit the picked options; returns the response to the POST."""
    page = client.get(f"/modules/{module.id}/toets").text
    return client.post(f"/modules/{module.id}/toets", data=form_for(page, module, pick), **kwargs)


def positions(session, *, user, modules, module: Module, pick: Pick = right) -> dict[str, list[str]]:
    """Open the check through the service and return the positions of the picked options."""
    check = knowledge_checks.open_check(session, user=user, modules=modules, module_id=module.id)
    return {q.id: positions_of(q, check.order, pick(q)) for q in module.knowledge_check.questions}


def submit(session, *, user, modules, module: Module, pick: Pick = right):
    """Open and submit the check through the services, as the web layer does."""
    chosen = positions(session, user=user, modules=modules, module=module, pick=pick)
    return knowledge_checks.submit_attempt(session, user=user, modules=modules, module_id=module.id, positions=chosen)
