// Builds dashboard/assets/plotly-instalign.min.js from entry.js with esbuild, using the
// settings of plotly.js's own dist build (esbuild-config.js in the plotly.js package):
// an IIFE that defines window.Plotly, GLSL shaders inlined, regl aliased to @plotly/regl.
const path = require('path');
const esbuild = require('esbuild');
const { environmentPlugin } = require('esbuild-plugin-environment');
const { glsl } = require('esbuild-plugin-glsl');
const InlineCSSPlugin = require('esbuild-plugin-inline-css');
const { version } = require('plotly.js/package.json');

const traces = ['scatter', 'bar', 'heatmap', 'waterfall', 'funnel', 'parcoords'];
const banner = `/* plotly.js v${version} (MIT, Plotly, Inc.), instalign bundle: ` +
    `traces ${traces.join(',')}. Built by scripts/plotly-bundle; do not edit. */`;

esbuild.build({
    entryPoints: [path.join(__dirname, 'entry.js')],
    outfile: path.join(__dirname, '..', '..', 'dashboard', 'assets', 'plotly-instalign.min.js'),
    format: 'iife',
    globalName: 'Plotly',
    bundle: true,
    minify: true,
    legalComments: 'eof',
    banner: { js: banner },
    plugins: [InlineCSSPlugin(), glsl({ minify: true }), environmentPlugin({ NODE_DEBUG: false })],
    alias: { regl: '@plotly/regl', stream: 'stream-browserify' },
    define: { global: 'window', 'define.amd': 'false' },
    target: 'es2016',
    logLevel: 'warning',
}).then(() => console.log(banner));
