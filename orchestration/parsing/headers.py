"""Flat-file headers -> the raw table's columns, in any language Amazon writes them.

The variants are data (``orchestration/catalogue/header_variants.json``); this module normalizes and
matches them. A header matches a column when its normalized form equals the normalized form of one of
the column's variants or of the column's own name; normalization (:func:`header_key`) makes the match
case-, accent-, space-, dash- and underscore-insensitive (``E-Mail des Bewertenden`` =
``e mail des bewertenden``; ``Numéro de commande`` = ``NUMERO DE COMMANDE``). Languages are tried in
order: the marketplace's, English, then the others, so a word two languages use for different
columns resolves the marketplace's way. Fuzzy matches are never accepted, only suggested
(:func:`closest`): a renamed required column refuses the document rather than loading the wrong data.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from orchestration.catalogue import header_variants

_SEPARATORS = re.compile(r"[\s\-_]+")
_SNAKE_SEP = re.compile(r"[\s\-]+")
#: Japanese voicing marks survive NFKD as combining characters; stripping them would merge カ and ガ.
_KEEP_MARKS = {"\u3099", "\u309a"}


def header_key(header: str) -> str:
    """Normalized form used to compare headers: NFKD, accents removed, case folded, one space."""
    text = unicodedata.normalize("NFKD", header.replace("\u2019", "'").replace("\ufeff", ""))
    text = "".join(ch for ch in text if not unicodedata.combining(ch) or ch in _KEEP_MARKS)
    return _SEPARATORS.sub(" ", text.casefold()).strip()


def snake_case(header: str) -> str:
    """Flat-file header -> column name: ``-``/space -> ``_``, lower case (orchestration/README.md)."""
    return _SNAKE_SEP.sub("_", header.strip()).strip("_").lower()


@dataclass(frozen=True)
class HeaderMatcher:
    """The known headers of one report: normalized variant -> column, per language."""

    report_type: str
    columns: tuple[str, ...]
    """Every column a header can map to (typed columns and hashed source columns)."""
    by_language: dict[str, dict[str, str]]
    variants: dict[str, tuple[str, ...]]
    """column -> every known variant (all languages), for messages."""

    def column_for(self, header: str, language: str | None) -> str | None:
        """The column ``header`` names, or None when it matches no known variant."""
        key = header_key(header)
        if not key:
            return None
        order = [language, "en", *sorted(self.by_language)]
        for lang in dict.fromkeys(x for x in order if x):
            column = self.by_language.get(lang, {}).get(key)
            if column is not None:
                return column
        own = {header_key(c): c for c in self.columns}
        return own.get(key)

    def closest(self, column: str, headers: list[str]) -> str | None:
        """The document header most like one of ``column``'s known names (difflib), if any is close."""
        names = [header_key(v) for v in self.variants.get(column, ())] + [header_key(column)]
        best, best_ratio = None, 0.0
        for header in headers:
            key = header_key(header)
            for name in names:
                ratio = difflib.SequenceMatcher(None, key, name).ratio()
                if ratio > best_ratio:
                    best, best_ratio = header, ratio
        return best if best_ratio >= 0.6 else None

    def closest_known(self, header: str) -> str | None:
        """The known variant closest to an unknown ``header`` (for warnings about extra columns)."""
        known = {header_key(v): v for vs in self.variants.values() for v in vs}
        found = difflib.get_close_matches(header_key(header), list(known), n=1, cutoff=0.75)
        return known[found[0]] if found else None


@cache
def matcher(report_type: str, columns: tuple[str, ...]) -> HeaderMatcher:
    """The matcher of ``report_type`` over ``columns`` (variants of other columns are ignored)."""
    table = header_variants().get(report_type, {})
    by_language: dict[str, dict[str, str]] = {}
    variants: dict[str, tuple[str, ...]] = {}
    for column, languages in table.items():
        if column not in columns:
            raise ValueError(f"header_variants.json: {report_type} has variants for unknown column {column!r}")
        seen: list[str] = []
        for language, names in languages.items():
            for name in names:
                by_language.setdefault(language, {}).setdefault(header_key(name), column)
                seen.append(name)
        variants[column] = tuple(dict.fromkeys(seen))
    return HeaderMatcher(report_type, columns, by_language, variants)
