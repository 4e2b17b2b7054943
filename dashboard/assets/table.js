// The map page's table (pages/explore.py).
//
// 1. It comes after the map (issue 14). AG Grid's start takes about a quarter of a second
//    of the page's one thread, which the first map needs more: the page keeps the grid in
//    the store table-grid; once the map has drawn its regions this says so in the store
//    map-drawn, and showTable puts the grid in. Where no map has started after WAIT_MS
//    (no WebGL), the table comes then; a map that has started is waited for, LONGEST_MS at
//    most: on a slow phone it takes longer than WAIT_MS, and the grid's start would only
//    slow it down further.
// 2. A new view gives the grid its new columns and marks (the grid stays, with its sort),
//    and syncTable drops its cached blocks, so that it asks for its rows again, and turns to
//    the page that holds the selected region.
(function () {
    "use strict";
    var WAIT_MS = 4000;
    var LONGEST_MS = 30000;
    var ns = window.dash_clientside = window.dash_clientside || {};
    ns.zow = ns.zow || {};

    ns.zow.showTable = function (drawn, grid, shown) {
        if (!drawn || !grid) { return ns.no_update; }
        if (!shown) { return grid; }
        ns.set_props("table", { columnDefs: grid.props.columnDefs,
                                rowClassRules: grid.props.rowClassRules });
        return ns.no_update;
    };

    // The turn waits until the first block has told the grid how many rows there are.
    ns.zow.syncTable = async function (focus) {
        var api = await window.dash_ag_grid.getApiAsync("table");
        if (!api) { return ns.no_update; }
        var index = focus && Number.isInteger(focus.index) ? focus.index : null;
        if (index !== null) {
            var show = function () {
                if (api.getDisplayedRowCount() <= index) { return; }
                api.removeEventListener("modelUpdated", show);
                api.paginationGoToPage(Math.floor(index / api.paginationGetPageSize()));
                api.ensureIndexVisible(index, "middle");
            };
            api.addEventListener("modelUpdated", show);
        }
        api.purgeInfiniteCache();
        return ns.no_update;
    };

    function mapOf(el) {
        var sub = el && el._fullLayout && el._fullLayout.map && el._fullLayout.map._subplot;
        return sub && sub.map;
    }

    // Every trace with regions has its source, and MapLibre has drawn them all.
    function drawn(el, map) {
        var style = map.getStyle();
        if (!style || !el._fullData) { return false; }
        var traces = el._fullData.filter(function (t) {
            return t.locations && t.locations.length;
        }).length;
        var sources = Object.keys(style.sources).filter(function (id) {
            return id.indexOf("source-") === 0;
        }).length;
        return sources >= traces && map.loaded() && map.areTilesLoaded();
    }

    function release(slot) {
        if (slot.__zowReleased || !slot.isConnected) { return; }
        slot.__zowReleased = true;
        ns.set_props("map-drawn", { data: true });
    }

    function look() {
        document.querySelectorAll("#table-slot").forEach(function (slot) {
            if (!slot.__zowWaiting) {
                slot.__zowWaiting = true;
                setTimeout(function () {
                    if (!mapOf(document.querySelector("#map .js-plotly-plot"))) {
                        release(slot);
                    } else {
                        setTimeout(function () { release(slot); }, LONGEST_MS - WAIT_MS);
                    }
                }, WAIT_MS);
            }
            var el = document.querySelector("#map .js-plotly-plot");
            var map = mapOf(el);
            if (slot.__zowReleased || !map || map.__zowTableHooked) { return; }
            map.__zowTableHooked = true;
            var check = function () {
                if (drawn(el, map)) {
                    map.off("idle", check);
                    release(slot);
                }
            };
            map.on("idle", check);
            check();  // in case it was drawn before it was seen
        });
    }

    new MutationObserver(look).observe(document.documentElement,
                                       { childList: true, subtree: true });
})();
