"""Every string people read, in Dutch (first) and English."""

from __future__ import annotations

LANGS: tuple[str, ...] = ("nl", "en")

SUBTHEME_LABELS: dict[str, dict[str, str]] = {
    "veiligheid": {"nl": "Veiligheid", "en": "Safety"},
    "onderwijs": {"nl": "Onderwijs", "en": "Education"},
    "wonen": {"nl": "Wonen", "en": "Housing"},
    "werk_inkomen": {"nl": "Werk & inkomen", "en": "Work & income"},
    "jeugd": {"nl": "Jeugd", "en": "Youth"},
    "duurzaamheid": {"nl": "Duurzaamheid", "en": "Sustainability"},
    "zorg": {"nl": "Zorg", "en": "Care & health"},
}

LEVEL_LABELS: dict[str, dict[str, str]] = {
    "gemeente": {"nl": "Gemeenten", "en": "Municipalities"},
    "wijk": {"nl": "Wijken", "en": "Districts (wijken)"},
    "buurt": {"nl": "Buurten", "en": "Neighbourhoods (buurten)"},
}

TEXT: dict[str, dict[str, str]] = {
    "title": {"nl": "Zicht op wijken", "en": "Zicht op wijken"},
    "tagline": {
        "nl": "Cijfers per wijk voor het Nationaal Programma Leefbaarheid en Veiligheid",
        "en": "Neighbourhood statistics for the National Programme Liveability and Safety",
    },
    "subtheme": {"nl": "Thema", "en": "Theme"},
    "indicator": {"nl": "Indicator", "en": "Indicator"},
    "year": {"nl": "Jaar", "en": "Year"},
    "level": {"nl": "Niveau", "en": "Level"},
    "gemeente": {"nl": "Gemeente", "en": "Municipality"},
    "all_nl": {"nl": "Heel Nederland", "en": "All of the Netherlands"},
    "search": {"nl": "Zoek gemeente of wijk", "en": "Search municipality or district"},
    "search_placeholder": {"nl": "Typ een naam of code…", "en": "Type a name or code…"},
    "basemap": {"nl": "Achtergrondkaart (online)", "en": "Background map (online)"},
    "no_data": {"nl": "geen gegevens", "en": "no data"},
    "name": {"nl": "Naam", "en": "Name"},
    "value": {"nl": "Waarde", "en": "Value"},
    "rank": {"nl": "Positie", "en": "Rank"},
    "of": {"nl": "van", "en": "of"},
    "nl": {"nl": "Nederland", "en": "Netherlands"},
    "click_hint": {
        "nl": "Klik op een gebied op de kaart of in de tabel voor details.",
        "en": "Click an area on the map or in the table for details.",
    },
    "definition": {"nl": "Definitie", "en": "Definition"},
    "source": {"nl": "Bron", "en": "Source"},
    "table_caption": {
        "nl": "Tabel met dezelfde gegevens als de kaart",
        "en": "Table with the same data as the map",
    },
    "map_label": {"nl": "Kaart", "en": "Map"},
    "bad_url": {
        "nl": "Deze link bevat een onbekende waarde; we tonen de standaardweergave.",
        "en": "This link has an unknown value; showing the default view instead.",
    },
    "higher_better": {"nl": "hoger is beter", "en": "higher is better"},
    "lower_better": {"nl": "lager is beter", "en": "lower is better"},
    "neutral": {"nl": "neutraal", "en": "neutral"},
    "break": {"nl": "Definitiewijziging", "en": "Definition change"},
    "explore": {"nl": "Kaart", "en": "Map"},
    "profile": {"nl": "Gebiedsprofiel", "en": "Area profile"},
    "compare": {"nl": "Vergelijken", "en": "Compare"},
    "language": {"nl": "English", "en": "Nederlands"},
    "download_csv": {"nl": "Download CSV", "en": "Download CSV"},
    "download_xlsx": {"nl": "Download Excel", "en": "Download Excel"},
    "attribution": {
        "nl": "Bron: CBS (CC BY 4.0); grenzen: CBS / Kadaster via PDOK; "
              "criminaliteit: Politie via CBS; gezondheid: RIVM via CBS.",
        "en": "Source: CBS (Bron: CBS, CC BY 4.0); boundaries: CBS / Kadaster via PDOK; "
              "crime: Police via CBS; health: RIVM via CBS.",
    },
    "no_store": {
        "nl": "Er is nog geen gegevensbestand. Bouw het met `zow etl`.",
        "en": "There is no data store yet. Build it with `zow etl`.",
    },
}


def t(key: str, lang: str) -> str:
    """The text for a key in a language (Dutch when unsure)."""
    entry = TEXT[key]
    return entry.get(lang) or entry["nl"]


def subtheme_label(subtheme: str, lang: str) -> str:
    return SUBTHEME_LABELS[subtheme].get(lang, SUBTHEME_LABELS[subtheme]["nl"])


def level_label(level: str, lang: str) -> str:
    return LEVEL_LABELS[level].get(lang, LEVEL_LABELS[level]["nl"])


def format_number(value: float | None, lang: str, decimals: int | None = None) -> str:
    """1234.5 → '1.234,5' in Dutch, '1,234.5' in English; missing → 'geen gegevens'."""
    if value is None or value != value:  # NaN
        return t("no_data", lang)
    if decimals is None:
        decimals = 0 if abs(value) >= 100 or float(value).is_integer() else 1
    text = f"{value:,.{decimals}f}"
    if lang == "en":
        return text
    return text.replace(",", "_").replace(".", ",").replace("_", ".")
