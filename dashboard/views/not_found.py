"""The view of the not-found page (``pages/not_found_404.py``): only its language."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class NotFoundView:
    """What the page shows depends on nothing but the language of the header; its address
    (and the header's language switch) lead to the map."""

    lang: str = "nl"

    @classmethod
    def from_query(cls, lang: object = None) -> NotFoundView:
        return cls(lang="en" if lang == "en" else "nl")

    def url(self) -> str:
        return "/?lang=en" if self.lang == "en" else "/"
