// The background map: PDOK's BRT achtergrondkaart (public, free, CC BY 4.0 Kadaster), with
// its place names above the choropleth. A map figure asks for it with layout.meta.basemap
// = "pdok"; where PDOK can be reached its MapLibre style is put under the figure's traces
// (the traces go below the first label layer), and where it cannot (offline, blocked) the
// map stays as it is, on white, without a word.
(function () {
    "use strict";
    var STYLE = "https://api.pdok.nl/kadaster/brt-achtergrondkaart/ogc/v1/styles/" +
        "standaard__webmercatorquad?f=json";
    var style = null;
    var loading = null;

    function load() {
        if (!loading) {
            loading = fetch(STYLE, { credentials: "omit" })
                .then(function (r) { return r.ok ? r.json() : null; })
                .then(function (s) { style = s && s.layers ? s : null; return style; })
                .catch(function () { return null; });
        }
        return loading;
    }

    function firstLabelLayer(s) {
        var label = s.layers.find(function (layer) { return layer.type === "symbol"; });
        return label ? label.id : "";
    }

    function apply(el) {
        var meta = el.layout && el.layout.meta;
        var wanted = meta && meta.basemap === "pdok";
        var current = el.layout && el.layout.map && el.layout.map.style;
        if (!wanted || el.__zowApplying || (current && typeof current === "object")) {
            return;
        }
        el.__zowApplying = true;
        load().then(function (s) {
            if (s && window.Plotly && el.layout && el.layout.meta &&
                el.layout.meta.basemap === "pdok") {
                var below = firstLabelLayer(s);
                return window.Plotly.relayout(el, { "map.style": s }).then(function () {
                    var traces = el.data.map(function (_, i) { return i; });
                    return window.Plotly.restyle(el, { below: below }, traces);
                });
            }
        }).catch(function () { /* keep the plain map */ }).then(function () {
            el.__zowApplying = false;
        });
    }

    new MutationObserver(function () {
        document.querySelectorAll("#map .js-plotly-plot").forEach(function (el) {
            if (!el.__zowBasemapHooked && typeof el.on === "function") {
                el.__zowBasemapHooked = true;
                el.on("plotly_afterplot", function () { apply(el); });
            }
        });
    }).observe(document.documentElement, { childList: true, subtree: true });
})();
