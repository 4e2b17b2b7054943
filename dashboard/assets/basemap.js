// The background map: PDOK's BRT achtergrondkaart (public, free, CC BY 4.0 Kadaster), with
// its place names above the choropleth. A map figure asks for it with layout.meta.basemap
// = "pdok"; where PDOK can be reached its MapLibre style is put under the figure's traces
// (the traces go below the first label layer), and where it cannot (offline, blocked) the
// map stays as it is, on white, without a word.
//
// The style is asked for as soon as a map is on the page, and given to Plotly with the
// figure itself (Plotly.react, as dcc.Graph calls it): then MapLibre draws the regions once,
// on the background map. Given afterwards (a relayout), MapLibre would start again with a
// new style and take the regions to its worker a second time (~0.3 s of a 1.6 s first map,
// benchmarks/dashboard.py --first-map --basemap), and so would every new figure (a Patch
// brings back the figure's own "white-bg"). The relayout remains for a style that comes
// after the first figure.
(function () {
    "use strict";
    var STYLE = "https://api.pdok.nl/kadaster/brt-achtergrondkaart/ogc/v1/styles/" +
        "standaard__webmercatorquad?f=json";
    var NO_FADES = { duration: 0, delay: 0 };
    var style = null;
    var loading = null;

    function load() {
        if (!loading) {
            loading = fetch(STYLE, { credentials: "omit" })
                .then(function (r) { return r.ok ? r.json() : null; })
                // Without fades, as Plotly's own styles (tools/plotly-bundle/entry.js).
                .then(function (s) {
                    style = s && s.layers ? Object.assign({}, s, { transition: NO_FADES }) : null;
                    return style;
                })
                .catch(function () { return null; });
        }
        return loading;
    }

    function firstLabelLayer(s) {
        var label = s.layers.find(function (layer) { return layer.type === "symbol"; });
        return label ? label.id : "";
    }

    // The figure as Plotly.react takes it, with the background map in it when the figure
    // asks for it and the style is here; otherwise the figure itself. Never changed in place:
    // it is Dash's.
    function dressed(figure) {
        var layout = figure && figure.layout;
        var wanted = layout && layout.meta && layout.meta.basemap === "pdok";
        if (!style || !wanted || !layout.map || typeof layout.map.style === "object") {
            return figure;
        }
        var below = firstLabelLayer(style);
        return Object.assign({}, figure, {
            layout: Object.assign({}, layout, {
                map: Object.assign({}, layout.map, { style: style }),
            }),
            data: (figure.data || []).map(function (trace) {
                return Object.assign({}, trace, { below: below });
            }),
        });
    }

    function wrap() {
        var plotly = window.Plotly;
        if (!plotly || plotly.__zowBasemap) { return; }
        plotly.__zowBasemap = true;
        var react = plotly.react;
        plotly.react = function (gd, figure) {
            if (arguments.length === 2 && figure && figure.layout) {
                return react.call(this, gd, dressed(figure));
            }
            return react.apply(this, arguments);
        };
    }
    wrap();
    document.addEventListener("DOMContentLoaded", wrap);

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
        if (document.getElementById("map")) {
            wrap();
            load();
        }
        document.querySelectorAll("#map .js-plotly-plot").forEach(function (el) {
            if (!el.__zowBasemapHooked && typeof el.on === "function") {
                el.__zowBasemapHooked = true;
                el.on("plotly_afterplot", function () { apply(el); });
            }
        });
    }).observe(document.documentElement, { childList: true, subtree: true });
})();
