"""Links for paged lists: the same filters, another page."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from urllib.parse import urlencode


def page_links(path: str, query: Mapping[str, str]) -> Callable[[int], str]:
    """A function from a page number to the list's address with the current filters kept."""

    def href(number: int) -> str:
        params = {k: v for k, v in query.items() if v and k != "pagina"}
        if number > 1:
            params["pagina"] = str(number)
        return path + ("?" + urlencode(params) if params else "")

    return href
