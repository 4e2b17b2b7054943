"""Every string people read, in Dutch (first) and English."""

from __future__ import annotations

from typing import Any

from core.text import LANGS

__all__ = ["LANGS", "TEXT", "format_number", "format_value", "level_label", "subtheme_label",
           "t"]

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
    "map_title": {"nl": "Kaart van gemeenten en wijken",
                  "en": "Map of municipalities and districts"},
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
    "basemap": {"nl": "Achtergrondkaart met plaatsnamen (PDOK, online)",
                "en": "Background map with place names (PDOK, online)"},
    "basemap_credit": {"nl": "achtergrond: Kadaster (PDOK)",
                       "en": "background: Kadaster (PDOK)"},
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
    # Downloaded files: column headers (lower case, as data files have them) and notes.
    "file_source_column": {"nl": "bron", "en": "source"},
    "file_data_sheet": {"nl": "Gegevens", "en": "Data"},
    "file_notes_sheet": {"nl": "Toelichting", "en": "Definitions"},
    "file_indicator_id": {"nl": "indicator_id", "en": "indicator_id"},
    "file_label": {"nl": "indicator", "en": "indicator"},
    "file_definition": {"nl": "definitie", "en": "definition"},
    "file_unit": {"nl": "eenheid", "en": "unit"},
    "file_direction": {"nl": "richting", "en": "direction"},
    "file_sources": {"nl": "brontabellen (jaren)", "en": "source tables (years)"},
    "file_made": {"nl": "Gemaakt met Zicht op wijken op {day}.",
                  "en": "Made with Zicht op wijken on {day}."},
    "file_licence": {"nl": "Licentie: {url}", "en": "Licence: {url}"},
    "break": {"nl": "Definitiewijziging", "en": "Definition change"},
    "no_map_indicators": {"nl": "geen indicatoren met cijfers op de kaart",
                          "en": "no indicators with figures on the map"},
    "option_no_data": {"nl": "geen cijfers", "en": "no figures"},
    "option_elsewhere": {"nl": "wel in {where}", "en": "available in {where}"},
    "option_not_here": {"nl": "Geen cijfers voor {year} op {level}niveau; kies om naar een "
                                "jaar en niveau met cijfers te gaan.",
                        "en": "No figures for {year} at {level} level; choose it to go to a "
                              "year and level that has them."},
    "option_no_boundaries": {"nl": "Er zijn cijfers, maar geen gebiedsgrenzen om ze op te "
                                   "tekenen (zie de API of de downloads).",
                             "en": "There are figures, but no boundaries to draw them on "
                                   "(see the API or the downloads)."},
    "level_no_values": {"nl": "geen cijfers op dit niveau in {year}",
                        "en": "no figures at this level in {year}"},
    "level_no_boundaries": {"nl": "geen gebiedsgrenzen op dit niveau in {year} (buurten: "
                                  "kies een gemeente)",
                            "en": "no boundaries at this level in {year} (buurten: choose a "
                                  "municipality)"},
    "boundaries_credit": {"nl": "grenzen {year}: CBS/Kadaster (PDOK)",
                          "en": "boundaries {year}: CBS/Kadaster (PDOK)"},
    "skip_to_content": {"nl": "Naar de inhoud", "en": "Skip to content"},
    "close": {"nl": "Sluiten", "en": "Close"},
    "controls": {"nl": "Kiezen: thema, indicator, jaar, gebied",
                 "en": "Choose: theme, indicator, year, area"},
    "download_csv_nl": {"nl": "CSV voor Excel (NL)", "en": "CSV for Dutch Excel"},
    "class_method": {"nl": "kwintielen: 5 klassen<br>van elk ±20% van de gebieden",
                     "en": "quintiles: 5 classes<br>of ±20% of the areas each"},
    "selected": {"nl": "gekozen", "en": "selected"},
    "notice_year": {
        "nl": "Voor {asked} zijn er geen cijfers van deze indicator: de kaart toont {shown}. "
              "Zodra er weer cijfers voor {asked} zijn, komt {asked} terug.",
        "en": "This indicator has no figures for {asked}: the map shows {shown}. When figures "
              "for {asked} are there again, {asked} comes back.",
    },
    "notice_level": {
        "nl": "Geen {asked} met cijfers in {year}: de kaart toont {shown}. Zodra het kan, "
              "komen de {asked} terug.",
        "en": "No {asked} with figures in {year}: the map shows {shown}. As soon as it can, "
              "the map returns to {asked}.",
    },
    "other_boundaries": {
        "nl": "Getekend op de grenzen van {year}: {drawn} van de {regions} gebieden zijn daar "
              "hetzelfde gebied; de andere staan alleen in de tabel.",
        "en": "Drawn on the {year} boundaries: {drawn} of the {regions} areas are the same "
              "area there; the others are in the table only.",
    },
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


def t(key: str, lang: str, **fields: object) -> str:
    """The text for a key in a language (Dutch when unsure), with ``{fields}`` filled in."""
    entry = TEXT[key]
    text = entry.get(lang) or entry["nl"]
    return text.format(**fields) if fields else text


def subtheme_label(subtheme: str, lang: str) -> str:
    return SUBTHEME_LABELS[subtheme].get(lang, SUBTHEME_LABELS[subtheme]["nl"])


def level_label(level: str, lang: str) -> str:
    return LEVEL_LABELS[level].get(lang, LEVEL_LABELS[level]["nl"])


def format_value(value: float | None, indicator: Any, lang: str) -> str:
    """A value of an indicator as every page shows it: the catalogue's decimals (when it
    declares them), the page's locale."""
    return format_number(value, lang, getattr(indicator, "decimals", None))


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


# ------------------------------------------------------------ area profile (added for profile)
TEXT.update(
    {
        "profile_unknown": {
            "nl": "Geen gebied gevonden met code “{code}”. Controleer de link of kies een "
                  "gebied op de kaart.",
            "en": "No area found with code “{code}”. Check the link or pick an area on the map.",
        },
        "profile_back": {"nl": "Terug naar de kaart", "en": "Back to the map"},
        "profile_kind_gemeente": {"nl": "Gemeente", "en": "Municipality"},
        "profile_kind_wijk": {"nl": "Wijk", "en": "District (wijk)"},
        "profile_kind_buurt": {"nl": "Buurt", "en": "Neighbourhood (buurt)"},
        "profile_kind_area": {"nl": "NPLV-focusgebied", "en": "NPLV focus area"},
        "profile_in": {"nl": "in", "en": "in"},
        "profile_contents": {"nl": "Inhoud", "en": "Contents"},
        "profile_print": {"nl": "Afdrukken / PDF", "en": "Print / PDF"},
        "profile_col_indicator": {"nl": "Indicator", "en": "Indicator"},
        "profile_col_value": {"nl": "Waarde", "en": "Value"},
        "profile_col_year": {"nl": "Jaar", "en": "Year"},
        "profile_col_compare_gemeente": {"nl": "t.o.v. gemeente", "en": "vs municipality"},
        "profile_col_compare_nl": {"nl": "t.o.v. Nederland", "en": "vs Netherlands"},
        "profile_col_trend": {"nl": "Trend", "en": "Trend"},
        "profile_caption": {
            "nl": "{theme}: laatste waarde per indicator, met {reference} en Nederland in "
                  "hetzelfde jaar",
            "en": "{theme}: latest value per indicator, with {reference} and the Netherlands "
                  "in the same year",
        },
        "profile_legend": {
            "nl": "▲ hoger, ▼ lager, = gelijk aan {reference}. Blauw: beter, oranje: slechter; "
                  "grijs: neutrale indicator, geen oordeel. Trendlijnen zijn onderbroken bij "
                  "een definitiewijziging of een gewijzigde gebiedscode.",
            "en": "▲ higher, ▼ lower, = equal to {reference}. Blue: better, orange: worse; "
                  "grey: neutral indicator, no judgement. Trend lines break at a definition "
                  "change or a changed area code.",
        },
        "profile_higher": {"nl": "hoger dan {reference}", "en": "higher than {reference}"},
        "profile_lower": {"nl": "lager dan {reference}", "en": "lower than {reference}"},
        "profile_same": {"nl": "gelijk aan {reference}", "en": "equal to {reference}"},
        "profile_better": {"nl": "beter", "en": "better"},
        "profile_worse": {"nl": "slechter", "en": "worse"},
        "profile_equal": {"nl": "gelijk", "en": "equal"},
        "profile_no_judgement": {"nl": "neutraal, geen oordeel", "en": "neutral, no judgement"},
        "profile_no_rows": {
            "nl": "Geen gegevens voor dit thema in dit gebied.",
            "en": "No data for this theme in this area.",
        },
        "profile_missing_rows": {
            "nl": "Zonder gegevens voor dit gebied: {names}.",
            "en": "No data for this area: {names}.",
        },
        "profile_trend_label": {"nl": "Trend: {points}", "en": "Trend: {points}"},
        "profile_trend_break": {"nl": "onderbreking", "en": "break"},
        "profile_one_year": {"nl": "alleen {year}", "en": "{year} only"},
        "profile_members": {
            "nl": "Wijken en buurten in dit gebied ({year})",
            "en": "Wijken and buurten in this area ({year})",
        },
        "profile_approximate": {
            "nl": "samenstelling bij benadering", "en": "approximate composition",
        },
        "profile_public": {
            "nl": "samenstelling volgens openbare omschrijving",
            "en": "composition as publicly described",
        },
        "profile_coverage": {
            "nl": "op basis van {covered} van {members} wijken",
            "en": "based on {covered} of {members} wijken",
        },
        "profile_not_aggregatable": {
            "nl": "niet beschikbaar: een gemiddelde of mediaan is niet op te tellen over wijken",
            "en": "not available: an average or median cannot be combined over wijken",
        },
        "profile_incomplete_sum": {
            "nl": "niet beschikbaar: {covered} van {members} wijken hebben een waarde",
            "en": "not available: {covered} of {members} wijken have a value",
        },
        "profile_no_weights": {
            "nl": "niet beschikbaar: geen {weight} per wijk in {year} om mee te wegen",
            "en": "not available: no {weight} per wijk in {year} to weight by",
        },
        "profile_aggregated": {
            "nl": "Waarden van het focusgebied zijn opgeteld (aantallen) of gewogen gemiddeld "
                  "(percentages en cijfers per inwoner, gewogen naar de noemer) over de wijken.",
            "en": "Focus area values are summed (counts) or weighted means (shares and rates, "
                  "weighted by their denominator) over the wijken.",
        },
        "profile_part_of": {"nl": "Onderdeel van", "en": "Part of"},
        "profile_focus_areas": {"nl": "NPLV-focusgebieden in deze gemeente",
                                "en": "NPLV focus areas in this municipality"},
        "profile_similar": {"nl": "Wijken zoals deze", "en": "Wijken like this one"},
        "profile_similar_theme": {"nl": "Vergelijk op thema", "en": "Compare on theme"},
        "profile_similar_none": {
            "nl": "Voor dit thema zijn te weinig gegevens om wijken te vergelijken.",
            "en": "There is too little data on this theme to compare wijken.",
        },
        "profile_similar_basis": {"nl": "Gebruikte indicatoren", "en": "Indicators used"},
        "profile_distance": {"nl": "afstand", "en": "distance"},
        "profile_na": {"nl": "n.b.", "en": "n/a"},
        "profile_na_short": {"nl": "n.v.t.", "en": "n/a"},
        "profile_similar_explanation": {
            "nl": "Vergelijkbare wijken zijn de wijken met de kleinste euclidische afstand tot "
                  "deze wijk over de gestandaardiseerde (z-score) indicatoren van het gekozen "
                  "thema, zonder absolute aantallen; indicatoren die bij meer dan de helft van "
                  "de wijken of bij deze wijk ontbreken tellen niet mee, en andere ontbrekende "
                  "waarden tellen na het standaardiseren als het gemiddelde van alle wijken.",
            "en": "Similar districts are the wijken with the smallest Euclidean distance to "
                  "this one over the standardised (z-score) indicators of the chosen theme, "
                  "leaving out absolute counts; indicators missing for more than half of all "
                  "wijken or for this wijk are dropped, and other missing values count as the "
                  "mean of all wijken after standardising.",
        },
        "profile_boundaries": {"nl": "Grenzen", "en": "Boundaries"},
        "profile_other_area": {
            "nl": "De cijfers van {years} onder deze code gaan over een ander gebied "
                  "(gewijzigde grenzen) en staan niet in de trend.",
            "en": "The figures of {years} under this code are about another area (changed "
                  "boundaries) and are not in the trend.",
        },
        "profile_count_no_compare": {
            "nl": "absoluut aantal: niet te vergelijken met een groter gebied",
            "en": "absolute count: not comparable with a larger area",
        },
    }
)


# ------------------------------------------------------------------ compare page
TEXT.update(
{
    "page_title": {"nl": "Gebieden vergelijken", "en": "Compare areas"},
    "intro": {
        "nl": "Kies 2 tot 8 gemeenten, wijken of buurten (ook uit verschillende gemeenten) "
              "en vergelijk ze per thema met Nederland.",
        "en": "Choose 2 to 8 municipalities, districts or neighbourhoods (also from different "
              "municipalities) and compare them per theme with the Netherlands.",
    },
    "regions": {"nl": "Gebieden (2 tot 8)", "en": "Areas (2 to 8)"},
    "regions_placeholder": {
        "nl": "Typ een naam of code van een gemeente, wijk of buurt…",
        "en": "Type a name or code of a municipality, district or neighbourhood…",
    },
    "all_themes": {"nl": "Alle thema's", "en": "All themes"},
    "too_few": {
        "nl": "Kies ten minste twee gebieden om ze te vergelijken.",
        "en": "Choose at least two areas to compare them.",
    },
    "too_many": {
        "nl": "U kunt hoogstens 8 gebieden tegelijk vergelijken; weggelaten: {codes}.",
        "en": "You can compare at most 8 areas at once; left out: {codes}.",
    },
    "unknown_regions": {
        "nl": "Deze gebieden bestaan niet in {year} en zijn weggelaten: {codes}.",
        "en": "These areas do not exist in {year} and were left out: {codes}.",
    },
    "no_rows": {
        "nl": "Geen gegevens voor deze gebieden in {year}.",
        "en": "No data for these areas in {year}.",
    },
    "compare_section": {"nl": "Vergelijking per thema", "en": "Comparison per theme"},
    "all_wijken_section": {"nl": "Alle wijken", "en": "All districts"},
    "wijken_of": {
        "nl": "Wijken van (ranglijst en spreidingsdiagram)",
        "en": "Districts of (ranking and scatter plot)",
    },
    "ranking_title": {"nl": "Ranglijst", "en": "Ranking"},
    "ranking_indicator": {"nl": "Indicator voor de ranglijst", "en": "Indicator to rank by"},
    "percentile": {"nl": "Percentiel", "en": "Percentile"},
    "ranking_help": {
        "nl": "Positie 1 is de gunstigste waarde (bij neutrale indicatoren de hoogste). "
              "Percentiel: het percentage wijken met een gelijke of lagere waarde.",
        "en": "Rank 1 is the most favourable value (the highest for neutral indicators). "
              "Percentile: the share of districts with an equal or lower value.",
    },
    "scatter_title": {"nl": "Spreidingsdiagram", "en": "Scatter plot"},
    "x_axis": {"nl": "Horizontale as", "en": "Horizontal axis"},
    "y_axis": {"nl": "Verticale as", "en": "Vertical axis"},
    "chosen": {"nl": "Gekozen gebieden", "en": "Chosen areas"},
    "other_wijken": {"nl": "Wijken", "en": "Districts"},
    "scatter_count": {
        "nl": "{n} wijken met een waarde voor beide indicatoren.",
        "en": "{n} districts with a value for both indicators.",
    },
    "ranked_count": {
        "nl": "{n} van {total} wijken met een waarde",
        "en": "{n} of {total} districts with a value",
    },
    "scatter_table": {"nl": "Tabel bij het spreidingsdiagram", "en": "Table of the scatter plot"},
    "unit": {"nl": "Eenheid", "en": "Unit"},
    "on_this_page": {"nl": "Op deze pagina", "en": "On this page"},
    "chart_of": {"nl": "Staafdiagram", "en": "Bar chart"},
    "scatter_label": {
        "nl": "Spreidingsdiagram van {x} tegen {y}",
        "en": "Scatter plot of {x} against {y}",
    },
    "level_gemeente": {"nl": "gemeente", "en": "municipality"},
    "level_wijk": {"nl": "wijk", "en": "district"},
    "level_buurt": {"nl": "buurt", "en": "neighbourhood"},
    "level_focusgebied": {"nl": "focusgebied", "en": "focus area"},
    "area_outlined": {"nl": "NPLV-focusgebied: omlijnd zijn de {n} gebieden (niveau {level}) "
                            "die erin liggen of eraan raken; de waarde is berekend uit die "
                            "van zijn wijken of buurten.",
                      "en": "NPLV focus area: outlined are the {n} areas (level {level}) that "
                            "lie in it or touch it; its value is computed from those of its "
                            "wijken or buurten."},
    "level_land": {"nl": "land", "en": "country"},
    # Texts inside the multi-select dropdown (Dash's own defaults are English).
    "dropdown_select_all": {"nl": "Alles kiezen", "en": "Select all"},
    "dropdown_deselect_all": {"nl": "Niets kiezen", "en": "Deselect all"},
    "dropdown_selected_count": {"nl": "{num_selected} gekozen", "en": "{num_selected} selected"},
    "dropdown_search": {"nl": "Zoeken", "en": "Search"},
    "dropdown_clear_search": {"nl": "Zoekterm wissen", "en": "Clear search"},
    "dropdown_clear_selection": {"nl": "Keuze wissen", "en": "Clear selection"},
    "dropdown_no_options_found": {"nl": "Niets gevonden", "en": "Nothing found"},
    "download_hint": {
        "nl": "Download deze tabel",
        "en": "Download this table",
    },
}
)


# ------------------------------------------------------------------ NPLV monitor
TEXT.update(
{
    "monitor": {"nl": "NPLV-monitor", "en": "NPLV monitor"},
    "monitor_title": {"nl": "NPLV-monitor: de 20 focusgebieden", "en":
                      "NPLV monitor: the 20 focus areas"},
    "monitor_intro": {
        "nl": "Het Nationaal Programma Leefbaarheid en Veiligheid wil in twintig jaar de "
              "achterstand van twintig focusgebieden op de rest van Nederland wegwerken. Hier "
              "staan de gebieden naast elkaar, per thema: elke indicator tegen de eigen "
              "gemeente en Nederland, en hoe het verschil veranderde.",
        "en": "The National Programme Liveability and Safety aims to close the gap between "
              "twenty focus areas and the rest of the Netherlands within twenty years. Here "
              "the areas stand side by side, per theme: each indicator against the area's own "
              "municipality and the Netherlands, and how that gap changed.",
    },
    "monitor_overview": {"nl": "Overzicht per gebied", "en": "Overview per area"},
    "monitor_lines": {"nl": "In het kort", "en": "In brief"},
    "monitor_charts": {"nl": "Verschil met Nederland per indicator",
                       "en": "Gap to the Netherlands per indicator"},
    "monitor_method": {"nl": "Hoe de cijfers zijn berekend", "en": "How the figures are made"},
    "monitor_area": {"nl": "Focusgebied", "en": "Focus area"},
    "monitor_worse_gemeente": {"nl": "Slechter dan gemeente", "en": "Worse than municipality"},
    "monitor_worse_nl": {"nl": "Slechter dan NL", "en": "Worse than NL"},
    "monitor_value": {"nl": "Waarde", "en": "Value"},
    "monitor_vs_gemeente": {"nl": "Verschil met gemeente", "en": "Gap to municipality"},
    "monitor_vs_nl": {"nl": "Verschil met NL", "en": "Gap to NL"},
    "monitor_of": {"nl": "{worse} van {judged}", "en": "{worse} of {judged}"},
    "monitor_others": {"nl": "{n} andere", "en": "{n} more"},
    "monitor_and": {"nl": "en", "en": "and"},
    "monitor_since": {"nl": "{name} (sinds {year})", "en": "{name} (since {year})"},
    "monitor_line": {
        "nl": "In {area} zijn {worse_g} van de {judged_g} indicatoren slechter dan de gemeente "
              "{gemeente}, en {worse_nl} van de {judged_nl} slechter dan Nederland.",
        "en": "In {area} {worse_g} of {judged_g} indicators are worse than the municipality "
              "({gemeente}), and {worse_nl} of {judged_nl} worse than the Netherlands.",
    },
    "monitor_line_none": {
        "nl": "Voor {area} is bij dit thema geen oordeel beter of slechter te geven (neutrale "
              "indicatoren, of geen cijfers).",
        "en": "For {area} no better-or-worse judgement can be given on this theme (neutral "
              "indicators, or no figures).",
    },
    "monitor_gap_narrowed": {"nl": "De achterstand op Nederland werd kleiner bij {names}",
                             "en": "The gap to the Netherlands narrowed in {names}"},
    "monitor_gap_widened": {"nl": "de achterstand werd groter bij {names}",
                            "en": "the gap widened in {names}"},
    "monitor_no_change": {"nl": "Hoe de achterstand veranderde is niet te zeggen: {why}.",
                          "en": "How the gap changed cannot be said: {why}."},
    "monitor_why_boundaries": {"nl": "de grenzen van het gebied veranderden",
                               "en": "the area's boundaries changed"},
    "monitor_why_definition": {"nl": "de definitie veranderde", "en": "the definition changed"},
    "monitor_why_one_year": {"nl": "er is maar één jaar met een cijfer",
                             "en": "there is only one year with a figure"},
    "monitor_why_no_value": {"nl": "geen cijfer", "en": "no figure"},
    "monitor_why_incomplete": {"nl": "niet alle wijken of buurten hebben een cijfer",
                               "en": "not every wijk or buurt has a figure"},
    "monitor_judged_better": {"nl": "beter", "en": "better"},
    "monitor_judged_worse": {"nl": "slechter", "en": "worse"},
    "monitor_judged_same": {"nl": "gelijk", "en": "equal"},
    "monitor_trend_narrowed": {"nl": "kleiner", "en": "narrowed"},
    "monitor_trend_widened": {"nl": "groter", "en": "widened"},
    "monitor_trend_same": {"nl": "gelijk", "en": "unchanged"},
    "monitor_left_out": {
        "nl": "Absolute aantallen staan niet in de monitor (een aantal van een gebied zegt "
              "niets tegenover een hele gemeente): {names}.",
        "en": "Absolute counts are not in the monitor (a count of an area says nothing against "
              "a whole municipality): {names}.",
    },
    "monitor_method_text": {
        "nl": "De waarde van een focusgebied is berekend uit zijn wijken of buurten: aantallen "
              "opgeteld, percentages en gemiddelden gewogen naar hun noemer (n.b. waar dat "
              "niet eerlijk kan, met de reden). Elke indicator staat in zijn laatste jaar, met "
              "de gemeente en Nederland in hetzelfde jaar. Verschil = gebied − gemeente of "
              "Nederland; beter of slechter volgt de richting van de indicator (neutrale "
              "indicatoren krijgen geen oordeel). De verandering van het verschil telt vanaf "
              "het eerste jaar met dezelfde grenzen van het gebied en dezelfde definitie; "
              "anders staat er waarom niet.",
        "en": "A focus area's value is computed from its wijken or buurten: counts summed, "
              "shares and averages weighted by their denominator (n/a where that cannot be "
              "done honestly, with the reason). Each indicator is shown for its latest year, "
              "with the municipality and the Netherlands in the same year. Gap = area − "
              "municipality or Netherlands; better or worse follows the indicator's direction "
              "(neutral indicators get no judgement). The change of a gap counts from the "
              "first year with the same area boundaries and the same definition; otherwise the "
              "reason is given.",
    },
    "monitor_chart_label": {
        "nl": "Staafdiagram: verschil met Nederland van {indicator} per focusgebied ({year})",
        "en": "Bar chart: gap to the Netherlands of {indicator} per focus area ({year})",
    },
    "monitor_not_drawn": {"nl": "Zonder verschil met Nederland voor enig gebied (n.b. of geen "
                                "cijfers; zie de tabel): {names}.",
                          "en": "No gap to the Netherlands for any area (n/a or no figures; "
                                "see the table): {names}."},
    "monitor_chart_table": {"nl": "Tabel bij de grafiek", "en": "Table of the chart"},
    "monitor_gap_axis": {"nl": "verschil met NL ({unit})", "en": "gap to NL ({unit})"},
    "monitor_change": {"nl": "Verandering verschil", "en": "Change of gap"},
    "monitor_legend": {
        "nl": "Blauw: beter dan Nederland, oranje: slechter, grijs: neutraal of gelijk.",
        "en": "Blue: better than the Netherlands, orange: worse, grey: neutral or equal.",
    },
    "monitor_grid_help": {
        "nl": "Klik op een kolomkop om te sorteren. Verschil = gebied min gemeente of "
              "Nederland; (beter) en (slechter) volgen de richting van de indicator. n.b.: "
              "niet te berekenen; *: berekend over een deel van de wijken (beweeg over de cel "
              "voor de reden).",
        "en": "Click a column header to sort. Gap = area minus municipality or Netherlands; "
              "(better) and (worse) follow the indicator's direction. n/a: cannot be computed"
              "; *: computed over some of the wijken (hover over the cell for the reason).",
    },
}
)
