// Builds dashboard/assets/plotly-partial.min.js. The settings mirror plotly.js's own
// esbuild-config.js (its tasks/ folder is not shipped on npm), plus minify and a global.
import * as esbuild from 'esbuild';
import { readFileSync, writeFileSync } from 'fs';
import { createRequire } from 'module';

const require = createRequire(import.meta.url);
const { environmentPlugin } = require('esbuild-plugin-environment');
const { glsl } = require('esbuild-plugin-glsl');
const InlineCSSPlugin = require('esbuild-plugin-inline-css');
const { version } = require('plotly.js/package.json');

await esbuild.build({
    entryPoints: ['entry.js'],
    outfile: '../../dashboard/assets/plotly-partial.min.js',
    format: 'iife',
    globalName: 'Plotly',
    bundle: true,
    minify: true,
    sourcemap: false,
    plugins: [InlineCSSPlugin(), glsl({ minify: true }), environmentPlugin({ NODE_DEBUG: false })],
    alias: { regl: '@plotly/regl', stream: 'stream-browserify' },
    define: { global: 'window', 'define.amd': 'false' },
    target: 'es2016',
    banner: { js: `/**\n* plotly.js v${version} (partial: choroplethmap (hairline borders), bar, scatter; minified)\n* Copyright 2012-2026, Plotly, Inc. MIT license\n*/` },
    footer: { js: 'window.Plotly = Plotly;' },
    legalComments: 'eof',
    logLevel: 'info',
});

// Plotly's Dutch texts (modebar buttons, month names), for graphs on Dutch pages
// (config.locale = 'nl'). Plotly's own leaves most buttons in English and misspells one;
// ours, registered after it under the same name, fill in and replace (Plotly merges a
// locale's dictionaries). Loaded before or after the bundle alike: without window.Plotly
// each part queues itself in window.PlotlyLocales, which Plotly registers on load.
const OURS = {
    'Autoscale': 'Automatisch schalen',
    'Box Select': 'Rechthoek selecteren',
    'Compare data on hover': 'Gegevens vergelijken bij aanwijzen',
    'Double-click on legend to isolate one trace':
        'Dubbelklik op de legenda om één reeks apart te tonen',
    'Double-click to zoom back out': 'Dubbelklik om weer uit te zoomen',
    'Download plot': 'Grafiek downloaden',
    'Download plot as a PNG': 'Grafiek downloaden als PNG',
    'Image download succeeded': 'Afbeelding gedownload',
    'Lasso Select': 'Lasso-selectie',
    'Pan': 'Verschuiven',
    'Preparing image - this may take a few seconds':
        'Afbeelding wordt gemaakt; dit kan enkele seconden duren',
    'Reset': 'Herstellen',
    'Reset axes': 'Assen herstellen',
    'Reset view': 'Beginweergave herstellen',
    'Reset views': 'Beginweergaven herstellen',
    'Show closest data on hover': 'Dichtstbijzijnde gegevens tonen bij aanwijzen',
    'Sorry, there was a problem downloading your image!':
        'Het downloaden van de afbeelding is mislukt.',
    'Toggle Spike Lines': 'Hulplijnen aan/uit',
    'Toggle show closest data on hover': 'Dichtstbijzijnde gegevens bij aanwijzen aan/uit',
    'Zoom': 'Zoomen',
    'Zoom in': 'Inzoomen',
    'Zoom out': 'Uitzoomen',
};
const ours = JSON.stringify({ moduleType: 'locale', name: 'nl', dictionary: OURS }, null, 1);
writeFileSync('../../dashboard/assets/plotly-locale-nl.js',
    `/** plotly.js v${version} locale nl (dist/plotly-locale-nl.js, MIT license), then ours */\n`
    + readFileSync(require.resolve('plotly.js/dist/plotly-locale-nl.js'), 'utf8')
    + `\n(function (ours) {\n`
    + `    if (typeof Plotly === 'undefined') {\n`
    + `        (window.PlotlyLocales = window.PlotlyLocales || []).push(ours);\n`
    + `    } else {\n`
    + `        Plotly.register(ours);\n`
    + `    }\n`
    + `})(${ours});\n`);
