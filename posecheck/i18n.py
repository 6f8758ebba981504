"""Bilingual (Dutch first, English) message texts."""

from __future__ import annotations

import locale
import os
from dataclasses import dataclass
from typing import Literal

Lang = Literal["nl", "en"]
LANGUAGES: tuple[Lang, ...] = ("nl", "en")


@dataclass(frozen=True, slots=True)
class Text:
    """One message in Dutch and English; ``str.format`` fields allowed in both."""

    nl: str
    en: str

    def __post_init__(self) -> None:
        if not self.nl.strip() or not self.en.strip():
            raise ValueError(f"message needs both Dutch and English text: {self!r}")

    def get(self, lang: str, **fields: object) -> str:
        """The text in ``lang`` ('nl' or 'en'), with ``fields`` filled in; a field that is
        itself a :class:`Text` is filled in in the same language."""
        text = self.nl if lang == "nl" else self.en
        if not fields:
            return text
        return text.format(
            **{k: v.get(lang) if isinstance(v, Text) else v for k, v in fields.items()}
        )

    def as_dict(self) -> dict[str, str]:
        return {"nl": self.nl, "en": self.en}


def system_language() -> Lang:
    """'nl' when the system locale is Dutch, else 'en'."""
    for var in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = os.environ.get(var, "")
        if value:
            return "nl" if value.lower().startswith("nl") else "en"
    try:
        code = locale.getlocale()[0] or ""
    except ValueError:
        code = ""
    return "nl" if code.lower().startswith(("nl", "dutch")) else "en"
