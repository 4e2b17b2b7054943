"""The map explorer as the public, municipal staff and analysts meet it in the first
minutes (issue 15): every indicator listed, a map that says what it shows, choices that are
not silently lost, search by the names people use, keyboard only, and a phone screen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from core.areas import load_areas
from core.catalogue import SUBTHEMES
from dashboard.data import Store
from dashboard.i18n import format_value, t
from dashboard.views import map as mapview
from dashboard.views.map import MapView
from tests.browser import (
    WAIT_MS,
    assert_clean,
    choose,
    dropdown_text,
    figure_state,
    fulfil_basemap_standin,
    map_fades,
    open_page,
    shot,
    wait_for_map,
    wait_for_url,
    wait_until,
    wait_until_idle,
)

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DEN_HAAG = "GM0518"
OPTION_TEXTS_JS = """() => Array.from(document.querySelectorAll(
    '.dash-dropdown-content [role=option]')).map(o => o.textContent)"""


def open_map(page: Any, live_app: str, query: str) -> None:
    page.goto(f"{live_app}/{query}")
    wait_for_map(page)
    wait_until_idle(page)


def layout_of(page: Any) -> dict[str, Any]:
    return page.evaluate("""() => {
        const el = document.querySelector('#map .js-plotly-plot');
        return {title: el.layout.title.text, source: el.layout.annotations[0].text,
                outline: Array.from(el._fullData[2].locations || []),
                style: typeof el.layout.map.style === 'string' ? el.layout.map.style : 'object',
                below: el._fullData.map(t => t.below)};
    }""")


# ----------------------------------------------------------------- every indicator
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_indicator_of_the_subtheme_is_listed_with_why_not(
    page: Any, live_app: str, db: Store, output_dir: Path, lang: str
) -> None:
    """Veiligheid once showed 3 of its 10 indicators. Now all are listed; those without
    figures for this year and level say where they are, those without any say why."""
    open_map(page, live_app, f"?thema=veiligheid&lang={lang}")
    page.locator("button#indicator").click()
    page.wait_for_selector(".dash-dropdown-content [role=option]")
    shown = page.evaluate(OPTION_TEXTS_JS)
    catalogue = db.catalogue.for_subtheme("veiligheid")
    assert len(shown) == len(catalogue) >= 8
    for indicator, text in zip(catalogue, shown, strict=True):
        assert text.startswith(indicator.label.get(lang))
        if not db.map_years(indicator.id):
            assert t("option_no_data", lang) in text
    disabled = page.locator(".dash-dropdown-content [role=option]:has(input[disabled])")
    n_without = sum(1 for i in catalogue if not db.map_years(i.id))
    assert disabled.count() == n_without
    shot(page, output_dir, f"usability_indicators_{lang}")
    page.keyboard.press("Escape")
    assert_clean(page)


def test_choosing_an_indicator_of_another_year_goes_there_and_says_so(
    page: Any, live_app: str, db: Store
) -> None:
    """One click away: an indicator without figures in the shown year takes the map to the
    nearest year that has them, with a notice; the year asked for stays in the address."""
    year = 2024
    other = next((i for s in SUBTHEMES for i in db.catalogue.for_subtheme(s)
                  if db.map_years(i.id) and year not in db.map_years(i.id)), None)
    assert other is not None, "the mirror has an indicator without 2024 figures"
    open_map(page, live_app, f"?thema={other.subtheme}&jaar={year}")
    before = figure_state(page)["afterplots"]
    choose(page, "indicator", other.label.nl)
    wait_for_map(page, after=before)
    shown = MapView.from_query({"indicator": other.id, "jaar": str(year)}, db)[0]
    assert dropdown_text(page, "jaar") == str(shown.jaar)
    notice = page.locator("#view-notice").inner_text()
    assert str(year) in notice and str(shown.jaar) in notice
    wait_for_url(page, f"indicator={other.id}", f"jaar={year}")


# ------------------------------------------------------------- a map that says it
def test_the_map_says_what_it_shows_with_its_source(page: Any, live_app: str, db: Store,
                                                    output_dir: Path) -> None:
    open_map(page, live_app, "?indicator=inwoners&jaar=2024&niveau=wijk&gemeente=GM0363")
    shown = layout_of(page)
    assert shown["title"].startswith(db.indicators["inwoners"].label.nl)
    assert "2024" in shown["title"] and "wijken" in shown["title"]
    assert "Amsterdam" in shown["title"]
    assert shown["source"].startswith("Bron: CBS, 85984NED (2024)")
    assert "PDOK" in shown["source"]
    # A PNG of the map (Plotly's own export) carries title and source with it.
    png = page.evaluate("""async () => {
        const el = document.querySelector('#map .js-plotly-plot');
        return await Plotly.toImage(el, {format: 'png', width: 900, height: 700});
    }""")
    assert png.startswith("data:image/png;base64,")
    shot(page, output_dir, "usability_map_title_source")
    assert_clean(page)


# ----------------------------------------------------- a forced change does not stick
def test_a_level_the_year_lacks_comes_back_with_the_year(page: Any, live_app: str,
                                                         db: Store) -> None:
    indicator = "misdrijven_per_1000"
    lacking = [y for y in db.map_years(indicator) if "wijk" not in db.levels_for(indicator, y)]
    having = [y for y in db.map_years(indicator) if "wijk" in db.levels_for(indicator, y)]
    assert lacking and having
    open_map(page, live_app, f"?thema=veiligheid&indicator={indicator}&jaar={having[-1]}"
                             "&niveau=wijk&gemeente=GM0202")
    before = figure_state(page)["afterplots"]
    choose(page, "jaar", str(lacking[-1]))
    wait_for_map(page, after=before)
    assert page.locator("#niveau input[type=radio]:checked").get_attribute("value") != "wijk"
    assert page.locator("#view-notice").inner_text().strip()
    wait_for_url(page, "niveau=wijk", f"jaar={lacking[-1]}")
    before = figure_state(page)["afterplots"]
    choose(page, "jaar", str(having[-1]))
    wait_for_map(page, after=before)
    page.wait_for_function(
        "() => document.querySelector('#niveau input[type=radio]:checked').value === 'wijk'")
    assert page.locator("#view-notice").inner_text().strip() == ""
    assert figure_state(page)["geojson"].endswith("/wijk.json")


# ------------------------------------------------------------------- the selection
def test_a_gemeente_at_gemeente_level_is_outlined_valued_and_in_the_table(
    page: Any, live_app: str, db: Store, output_dir: Path
) -> None:
    open_map(page, live_app, "?indicator=inwoners&jaar=2024&niveau=gemeente&gemeente=GM0344")
    assert layout_of(page)["outline"] == ["GM0344"]
    value = db.value("inwoners", 2024, "GM0344")
    cell = page.locator("#panel-values td[data-code='GM0344']")
    assert cell.inner_text().strip() == format_value(value, db.indicators["inwoners"], "nl")
    row = page.locator("#table .ag-row.selected-region[row-id='GM0344']")
    row.wait_for()  # the table turned to the page that holds it
    assert row.is_visible()
    shot(page, output_dir, "usability_gemeente_selected")


def test_a_region_far_down_the_table_is_shown_in_it(page: Any, live_app: str,
                                                    db: Store) -> None:
    view, _ = MapView.from_query({"indicator": "inwoners", "jaar": "2024", "niveau": "wijk"},
                                 db)
    rows = mapview.map_rows(db, view)
    code = rows["code"].iloc[250]  # on page 13 of 20 rows
    open_map(page, live_app, f"?indicator=inwoners&jaar=2024&niveau=wijk&regio={code}")
    assert layout_of(page)["outline"] == [code]
    row = page.locator(f"#table .ag-row.selected-region[row-id='{code}']")
    row.wait_for()
    assert row.is_visible()


def test_a_focus_area_is_found_outlined_and_linked(page: Any, live_app: str, db: Store,
                                                   output_dir: Path) -> None:
    """Typing a focus area's name in the map's search box: the map shows its gemeente's
    wijken with the area's wijken outlined, the panel gives the area's value (from its
    wijken) and links to its profile, the table marks its wijken."""
    area = load_areas()["NPLV-AMSTERDAM-ZUIDOOST"]
    open_map(page, live_app, "?indicator=inwoners&jaar=2024")
    page.locator("button#search").click()
    box = page.locator(".dash-dropdown-content input.dash-dropdown-search")
    box.wait_for(state="visible")
    box.press_sequentially("Zuidoost", delay=20)
    option = page.locator(".dash-dropdown-content [role=option]", has_text=area.id)
    option.wait_for()
    wait_until_idle(page)
    option.click()
    wait_for_url(page, f"regio={area.id}", f"gemeente={area.gemeente}", "niveau=wijk")
    page.wait_for_function("(n) => { const el = document.querySelector('#map .js-plotly-plot');"
                           " return el && el._fullData && el._fullData[2] &&"
                           " (el._fullData[2].locations || []).length === n; }",
                           arg=len(area.wijken_in(2024)))
    assert sorted(layout_of(page)["outline"]) == sorted(area.wijken_in(2024))
    page.wait_for_selector("#panel-area")
    assert area.name in page.locator("#panel-title").inner_text()
    view, _ = MapView.from_query({"indicator": "inwoners", "jaar": "2024", "regio": area.id,
                                  "gemeente": area.gemeente, "niveau": "wijk"}, db)
    value = mapview.panel(db, view).rows[0].value
    cell = page.locator(f"#panel-values td[data-code='{area.id}']")
    assert cell.inner_text().strip() == format_value(value, db.indicators["inwoners"], "nl")
    assert page.locator(f"#panel a[href='/gebied/{area.id}']").count() == 1
    page.locator("#table .ag-row.selected-region").first.wait_for()
    marked = page.evaluate("() => Array.from(document.querySelectorAll("
                           "'#table .ag-row.selected-region')).map(r => r.getAttribute('row-id'))")
    assert marked and set(marked) <= set(area.wijken_in(2024))
    shot(page, output_dir, "usability_focus_area_outlined")
    assert_clean(page)


# ------------------------------------------------------------------------ search
@pytest.mark.parametrize(("typed", "found"), [("Den Haag", "'s-Gravenhage"),
                                              ("den bosch", "'s-Hertogenbosch"),
                                              ("sudwest", "Súdwest-Fryslân")])
def test_search_finds_the_names_people_use(page: Any, live_app: str, typed: str,
                                           found: str) -> None:
    open_map(page, live_app, "?indicator=inwoners&jaar=2024")
    page.locator("button#search").click()
    box = page.locator(".dash-dropdown-content input.dash-dropdown-search")
    box.wait_for()
    page.keyboard.type(typed, delay=30)  # the cursor is in the box as the dropdown opens
    page.wait_for_function(
        "(want) => Array.from(document.querySelectorAll('.dash-dropdown-content "
        "[role=option]')).some(o => o.textContent.startsWith(want))", arg=found)
    first = page.evaluate(OPTION_TEXTS_JS)[0]
    assert first.startswith(found)


# ---------------------------------------------------------------------- keyboard
def test_keyboard_only(page: Any, live_app: str, db: Store, output_dir: Path) -> None:
    """Subtheme, indicator and gemeente by typing; a wijk from the table with Enter."""
    open_map(page, live_app, "?indicator=inwoners&jaar=2024")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.className").find("skip-link") >= 0

    def on_dropdown(control_id: str) -> bool:
        return page.evaluate("(id) => { const w = document.activeElement.closest("
                             "'.dash-dropdown-wrapper'); return !!w && !!w.querySelector("
                             "'button#' + id); }", control_id)

    def focus_dropdown(control_id: str) -> None:
        for _ in range(60):
            page.keyboard.press("Tab")
            if on_dropdown(control_id):
                return
        raise AssertionError(f"Tab never reached {control_id}")

    box_holds = ("(t) => { const b = document.querySelector('.dash-dropdown-content "
                 "input.dash-dropdown-search'); return !!b && b === document.activeElement "
                 "&& b.value.toLowerCase() === t.toLowerCase(); }")

    def type_and_enter(control_id: str, text: str) -> None:
        wait_until_idle(page)  # as a person waits for the page to settle
        focus_dropdown(control_id)
        page.keyboard.type(text, delay=40)  # a letter opens it, the rest filters
        for _ in range(3):
            try:
                page.wait_for_function(box_holds, arg=text, polling=50, timeout=10_000)
                break
            except PlaywrightTimeout:
                # A loaded renderer can drop keys while the list opens: type the text
                # again, by keyboard, as a person who sees the wrong letters would.
                if not page.locator(".dash-dropdown-content").count() \
                        and not on_dropdown(control_id):
                    focus_dropdown(control_id)
                page.keyboard.press("Control+A")
                page.keyboard.type(text, delay=40)
        try:
            page.wait_for_function(
                "(t) => { const o = document.querySelector('.dash-dropdown-content "
                "[role=option]'); return !!o && o.textContent.toLowerCase()"
                ".includes(t.toLowerCase()); }", arg=text)
        except PlaywrightTimeout as exc:
            seen = page.evaluate(
                "() => ({focus: document.activeElement.outerHTML.slice(0, 200), box: "
                "(document.querySelector('.dash-dropdown-search') || {}).value, options: "
                "Array.from(document.querySelectorAll('.dash-dropdown-content [role=option]'))"
                ".slice(0, 5).map(o => o.textContent)})")
            raise AssertionError(f"{control_id}: no option for {text!r}: {seen}") from exc
        page.keyboard.press("Enter")
        page.locator(".dash-dropdown-content").wait_for(state="detached")

    type_and_enter("thema", "Veiligh")
    wait_for_url(page, "thema=veiligheid")
    drawable = next(i for i in db.catalogue.for_subtheme("veiligheid") if db.map_years(i.id))
    type_and_enter("indicator", drawable.label.nl[:8])
    wait_for_url(page, f"indicator={drawable.id}")
    type_and_enter("gemeente", "Utrecht")
    wait_for_url(page, "gemeente=GM0344")
    wait_until_idle(page)
    row = page.locator("#table .ag-center-cols-container .ag-row[row-index='0'][row-id]")
    row.wait_for()
    code = row.get_attribute("row-id")
    row.locator(".ag-cell").first.focus()
    page.keyboard.press("Enter")
    wait_for_url(page, f"regio={code}")
    page.wait_for_function("(c) => (document.querySelector('#panel-title') || {})"
                           ".innerText?.includes(c)", arg=code)
    shot(page, output_dir, "usability_keyboard_only")
    assert_clean(page)


# ------------------------------------------------------------------------- phone
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_a_phone_gets_the_map_first_and_the_controls_in_a_drawer(
    browser: Any, live_app: str, output_dir: Path, lang: str
) -> None:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True,
                                  device_scale_factor=2, locale="nl-NL")
    context.set_default_timeout(WAIT_MS)
    context.route("https://api.pdok.nl/**", lambda route: route.abort("internetdisconnected"))
    page = open_page(context)
    try:
        open_map(page, live_app, f"?indicator=inwoners&jaar=2024&lang={lang}")
        top = page.evaluate("() => document.querySelector('#map').getBoundingClientRect().top")
        assert top < 260, top  # was 705: the controls filled the first screen
        controls = page.locator("#controls")
        assert not controls.is_visible()
        page.locator("#controls-open").click()
        page.wait_for_function("() => document.querySelector('#controls')"
                               ".classList.contains('show')")
        assert page.locator("button#indicator").is_visible()
        shot(page, output_dir, f"usability_phone_drawer_{lang}")
        page.locator("#controls-close").click()
        page.wait_for_function("() => !document.querySelector('#controls')"
                               ".classList.contains('show')")
        # One finger scrolls the page, two move the map (MapLibre's cooperative gestures).
        assert page.evaluate("""() => {
            const el = document.querySelector('#map .js-plotly-plot');
            const map = el._fullLayout.map._subplot.map;
            return map.cooperativeGestures.isEnabled();
        }""")
        # Table columns scroll sideways instead of being cut to "R…".
        page.locator("#table").scroll_into_view_if_needed()
        cut = page.evaluate("""() => Array.from(document.querySelectorAll(
            '#table .ag-header-cell-text')).filter(e => e.scrollWidth > e.clientWidth + 1)
            .map(e => e.textContent)""")
        assert cut == []
        shot(page, output_dir, f"usability_phone_map_{lang}")
        # The profile: one card per indicator, as wide as the screen.
        page.goto(f"{live_app}/gebied/GM0363?lang={lang}")
        page.wait_for_selector("#profile-title")
        wide = page.evaluate("""() => Math.max(...Array.from(document.querySelectorAll(
            '.profile-table tr')).map(r => r.getBoundingClientRect().width))""")
        assert wide <= PHONE["width"]
        page.screenshot(path=str(output_dir / f"usability_phone_profile_{lang}.png"),
                        full_page=True)
        assert_clean(page)
    finally:
        context.close()


# --------------------------------------------------------------------- small things
def test_english_tab_title_and_dutch_dropdown_texts(page: Any, live_app: str) -> None:
    open_map(page, live_app, "?lang=en")
    page.wait_for_function("() => document.title === 'Zicht op wijken: map'")
    open_map(page, live_app, "")
    page.wait_for_function("() => document.title === 'Zicht op wijken: kaart'")
    page.locator("button#gemeente").click()
    box = page.locator(".dash-dropdown-content input.dash-dropdown-search")
    assert box.get_attribute("placeholder") == "Zoeken"


def test_a_csv_for_dutch_excel(page: Any, live_app: str, db: Store) -> None:
    open_map(page, live_app, "?indicator=koopwoningen&jaar=2024&niveau=gemeente")
    href = page.locator("#download-csv-nl").get_attribute("href")
    response = page.request.get(live_app + href)
    text = response.body().decode("utf-8-sig")
    header, first = text.splitlines()[:2]
    assert header.startswith("code;naam;")
    code = first.split(";")[0]
    value = db.value("koopwoningen", 2024, code)
    assert f";{str(value).replace('.', ',')};" in first or f";{int(value)};" in first


# ------------------------------------------------------------------ background map
def test_the_background_map_goes_under_the_map_and_its_names_above(
    browser: Any, live_app: str, output_dir: Path
) -> None:
    """Where PDOK answers, its style becomes the map's; the regions go under its first
    label layer, so place names stay readable. (PDOK itself is out of reach here: a
    stand-in style answers in its place.)"""
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.set_default_timeout(WAIT_MS)
    context.route("https://api.pdok.nl/**", fulfil_basemap_standin)
    page = open_page(context)
    try:
        open_map(page, live_app, "?indicator=inwoners&jaar=2024")
        page.wait_for_function("""() => {
            const el = document.querySelector('#map .js-plotly-plot');
            return el && typeof el.layout.map.style === 'object';
        }""")
        shown = page.evaluate("""() => document.querySelector('#map .js-plotly-plot')._fullData
            .filter(t => t.locations && t.locations.length).map(t => t.below)""")
        assert shown and set(shown) == {"plaatsnamen"}
        wait_for_map(page)
        shot(page, output_dir, "usability_background_map")
        assert_clean(page)
    finally:
        context.close()


def test_the_background_map_comes_with_the_first_figure(browser: Any, live_app: str) -> None:
    """Where PDOK's style is there before the map's first figure, MapLibre starts on it:
    the regions are drawn once, on the background map, not first on white and then again
    (and a new figure, here another indicator, keeps it)."""
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.set_default_timeout(WAIT_MS)
    answered: list[str] = []

    def style(route: Any) -> None:
        fulfil_basemap_standin(route)
        answered.append(route.request.url)

    context.route("https://api.pdok.nl/**", style)
    # dcc.Graph's code is held back until the style has been answered: the order is fixed.
    held: list[Any] = []
    graph_code = "**/dash/dcc/async-graph.js*"
    context.route(graph_code, lambda route: held.append(route))
    page = open_page(context)
    page.add_init_script("""(() => {
        window.__zowStyles = [];
        new MutationObserver(() => {
            const el = document.querySelector('#map .js-plotly-plot');
            if (el && !el.__zowStyleHook && typeof el.on === 'function') {
                el.__zowStyleHook = true;
                el.on('plotly_afterplot', () => window.__zowStyles.push(
                    typeof el.layout.map.style));
            }
        }).observe(document, {childList: true, subtree: true});
    })();""")
    try:
        page.goto(f"{live_app}/?indicator=inwoners&jaar=2024&gemeente={DEN_HAAG}")
        # The style is asked for before the first figure (the old way asked after it).
        wait_until(page, lambda: bool(answered and held),
                   "the page to ask for the style and for the graph's code")
        for route in held:
            route.continue_()
        context.unroute(graph_code)
        wait_for_map(page)
        first = page.evaluate("window.__zowStyles")
        assert first and set(first) == {"object"}, first  # never on white
        shown = page.evaluate("""() => document.querySelector('#map .js-plotly-plot')._fullData
            .filter(t => t.locations && t.locations.length).map(t => t.below)""")
        assert shown and set(shown) == {"plaatsnamen"}  # the regions under the place names
        assert map_fades(page) == {"duration": 0, "delay": 0}  # PDOK's style, without fades
        choose(page, "indicator", "WOZ")
        wait_for_url(page, "indicator=woz_waarde")
        page.wait_for_function("(n) => window.__zowStyles.length > n", arg=len(first))
        wait_for_map(page)
        assert set(page.evaluate("window.__zowStyles")) == {"object"}
        assert_clean(page)
    finally:
        context.close()


def test_without_the_background_map_the_map_still_draws(page: Any, live_app: str) -> None:
    open_map(page, live_app, "?indicator=inwoners&jaar=2024")
    assert layout_of(page)["style"] == "white-bg"
    assert "kaart=" not in page.url  # the background map is the default, left out of links
