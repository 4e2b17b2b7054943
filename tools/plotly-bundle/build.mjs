// Builds dashboard/assets/plotly-partial.min.js. The settings mirror plotly.js's own
// esbuild-config.js (its tasks/ folder is not shipped on npm), plus minify and a global.
import * as esbuild from 'esbuild';
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
    banner: { js: `/**\n* plotly.js v${version} (partial: choroplethmap, bar, scatter; minified)\n* Copyright 2012-2026, Plotly, Inc. MIT license\n*/` },
    footer: { js: 'window.Plotly = Plotly;' },
    legalComments: 'eof',
    logLevel: 'info',
});
