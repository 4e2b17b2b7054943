'use strict';
// The trace types the dashboard draws (dashboard/maps.py, compare.py, pages/profile.py).
// A figure with any other type would silently fall back to scatter: add it here, rebuild.
var Plotly = require('plotly.js/lib/core');
Plotly.register([
    require('plotly.js/lib/choroplethmap'),
    require('plotly.js/lib/bar'),
    require('plotly.js/lib/scatter'),
]);
module.exports = Plotly;
