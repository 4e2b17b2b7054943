'use strict';
// The trace types the dashboard draws (dashboard/maps.py, compare.py, pages/profile.py).
// A figure with any other type would silently fall back to scatter: add it here, rebuild.
var Plotly = require('plotly.js/lib/core');
var choroplethmap = require('plotly.js/lib/choroplethmap');

// Hairline borders. A choroplethmap trace with `marker.line.width: 0` draws its borders as
// MapLibre's fill outline (one device pixel, in `marker.line.color`) instead of a line
// layer: width 0 as the thinnest line the screen can draw, as in PostScript. Plotly keeps a
// line layer even at width 0; MapLibre then builds every border's line geometry in its
// worker and only skips drawing it. The fill outline is drawn with the fill anyway (in the
// fill colour, unless told otherwise), so the borders cost nothing, and the first map of
// all wijken is drawn ~0.1 s sooner in software WebGL (benchmarks/dashboard.py --first-map).
function hairlined(optsAll, trace) {
    var line = trace && trace.marker && trace.marker.line;
    if (!line || line.width !== 0 || optsAll.fill.layout.visibility !== 'visible') {
        return optsAll;
    }
    // Plotly leaves the colour of a width-0 line out of the full trace: read the figure's.
    var asked = trace._input && trace._input.marker && trace._input.marker.line;
    var colour = asked && asked.color;
    var paint = typeof colour === 'string'
        ? Object.assign({}, optsAll.fill.paint, { 'fill-outline-color': colour })
        : optsAll.fill.paint;
    return Object.assign({}, optsAll, {
        fill: { layout: optsAll.fill.layout, paint: paint },
        line: {
            layout: Object.assign({}, optsAll.line.layout, { visibility: 'none' }),
            paint: optsAll.line.paint,
        },
    });
}

// No fades between map states. Plotly means its maps to have none (getStyleObj in
// src/plots/map/map.js sets transition 0), but it sets it beside the style, where MapLibre
// never sees it; MapLibre then fades every paint change for 0.3 s, drawing (and, in
// software WebGL, reading the canvas back) at every frame, and counts as loaded only after.
// In the built-in styles themselves it takes effect (~0.1 s of the first map).
var mapStyles = require('plotly.js/src/plots/map/constants').stylesMap;
Object.keys(mapStyles).forEach(function (name) {
    mapStyles[name] = Object.assign({}, mapStyles[name], { transition: { duration: 0, delay: 0 } });
});

var plot = choroplethmap.plot;
choroplethmap.plot = function (subplot, calcTrace) {
    var glTrace = plot(subplot, calcTrace);
    var trace = calcTrace[0].trace;
    // Just made, before MapLibre has tiled anything: turning the line layer off now costs
    // nothing. Later updates get the options before Plotly applies them (below), since a
    // line layer turned on and off again would make MapLibre tile the regions once more.
    var opts = hairlined(trace._opts, trace);
    if (opts !== trace._opts) {
        glTrace.layerList.forEach(function (item) {
            subplot.setOptions(item[1], 'setLayoutProperty', opts[item[0]].layout);
            subplot.setOptions(item[1], 'setPaintProperty', opts[item[0]].paint);
        });
    }
    ['update', 'updateOnSelect'].forEach(function (name) {
        var method = glTrace[name];
        glTrace[name] = function (calcTrace) {
            trace = calcTrace[0].trace;
            return method.call(this, calcTrace);
        };
    });
    var update = glTrace._update;
    glTrace._update = function (optsAll) {
        return update.call(this, hairlined(optsAll, trace));
    };
    return glTrace;
};

Plotly.register([
    choroplethmap,
    require('plotly.js/lib/bar'),
    require('plotly.js/lib/scatter'),
]);
module.exports = Plotly;
