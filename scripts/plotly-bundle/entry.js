'use strict';
// instalign's plotly.js: the core (scatter) and only the trace types its figures draw.
// tests/test_plotly_bundle.py checks that every trace type a standard figure or a dashboard
// view produces is registered here.
var Plotly = require('plotly.js/lib/core');

Plotly.register([
    require('plotly.js/lib/bar'),
    require('plotly.js/lib/heatmap'),
    require('plotly.js/lib/waterfall'),
    require('plotly.js/lib/funnel'),
    require('plotly.js/lib/parcoords'),
]);

module.exports = Plotly;
