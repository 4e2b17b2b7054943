"""Texts people read, in Dutch (first) and English."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

LANGS: tuple[str, ...] = ("nl", "en")


class Text(BaseModel):
    """A text in Dutch (first) and English."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    nl: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.nl
