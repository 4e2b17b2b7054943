// Boundaries that follow the zoom. The national map is drawn on the overview boundaries
// (/geo/overzicht/{year}/{level}.json: simplified below a pixel at that scale, and about
// half as quick again to draw; see views/map.py geometry_url). Once the person zooms in
// past ZOOM, where the overview's simplification would begin to show, the map's traces are
// given the full boundaries (/geo/{year}/{level}.json) instead. A map within one gemeente
// is given the full ones by the server from the start.
(function () {
    "use strict";
    var ZOOM = 7.5;
    var OVERVIEW = "/geo/overzicht/";

    function full(url) {
        return typeof url === "string" && url.indexOf(OVERVIEW) === 0
            ? "/geo/" + url.slice(OVERVIEW.length) : null;
    }

    function check(el) {
        var layout = el._fullLayout;
        var zoom = layout && layout.map && layout.map.zoom;
        if (el.__zowDetailing || !(zoom >= ZOOM) || !el.data || !window.Plotly) {
            return;
        }
        var urls = [], traces = [];
        el.data.forEach(function (trace, i) {
            var url = full(trace.geojson);
            if (url) { urls.push(url); traces.push(i); }
        });
        if (!traces.length) {
            return;
        }
        el.__zowDetailing = true;
        window.Plotly.restyle(el, { geojson: urls }, traces)
            .catch(function () { /* keep the overview */ })
            .then(function () { el.__zowDetailing = false; });
    }

    new MutationObserver(function () {
        document.querySelectorAll("#map .js-plotly-plot").forEach(function (el) {
            if (!el.__zowDetailHooked && typeof el.on === "function") {
                el.__zowDetailHooked = true;
                el.on("plotly_relayout", function () { check(el); });
                // A new figure (a Patch, another year) may bring the overview back.
                el.on("plotly_afterplot", function () { check(el); });
            }
        });
    }).observe(document.documentElement, { childList: true, subtree: true });
})();
