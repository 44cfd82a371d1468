// Builds the web client (web/) into dist/web/, the static files agentd serves at `/`:
//   index.html                 the shell: one module script and one stylesheet, no inline code
//   assets/app-<hash>.js|css   the bundle (Preact + the app), content-hashed so it can be cached for ever
//   sw.js                      the service worker, told the shell's file list and version
//   manifest.webmanifest, icons/   what makes it installable
// Nothing is fetched at run time from anywhere but agentd. `npm run build` runs this after tsc.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { basename } from 'node:path';
import { drawIcon, encodePng } from './web-icons.mjs';

const OUT = 'dist/web';
const VERSION = JSON.parse(readFileSync('package.json', 'utf8')).version;

rmSync(OUT, { recursive: true, force: true });
mkdirSync(`${OUT}/icons`, { recursive: true });

const common = {
  bundle: true,
  minify: process.env.BUILD_WEB_DEBUG !== '1',
  legalComments: 'none',
  target: ['chrome111', 'firefox113', 'safari16.4'],
  logLevel: 'warning',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  // No process.env or Node globals in a page.
  define: { 'process.env.NODE_ENV': '"production"' },
};

const app = await build({
  ...common,
  entryPoints: { app: 'web/src/main.tsx' },
  outdir: `${OUT}/assets`,
  entryNames: '[name]-[hash]',
  format: 'esm',
  platform: 'browser',
  metafile: true,
});
const outputs = Object.keys(app.metafile.outputs).map((path) => path.slice(OUT.length + 1));
const script = outputs.find((p) => p.endsWith('.js'));
const style = outputs.find((p) => p.endsWith('.css'));
if (!script || !style) throw new Error(`build-web: expected one .js and one .css output, got ${outputs.join(', ')}`);

for (const size of [192, 512]) {
  writeFileSync(`${OUT}/icons/icon-${size}.png`, encodePng(size, size, drawIcon(size, { maskable: false })));
  writeFileSync(`${OUT}/icons/maskable-${size}.png`, encodePng(size, size, drawIcon(size, { maskable: true })));
}
writeFileSync(`${OUT}/icons/icon-32.png`, encodePng(32, 32, drawIcon(32, { maskable: false })));
cpSync('web/public/manifest.webmanifest', `${OUT}/manifest.webmanifest`);

const html = readFileSync('web/index.html', 'utf8')
  .replace('%SCRIPT%', script)
  .replace('%STYLE%', style)
  .replace('%VERSION%', VERSION);
writeFileSync(`${OUT}/index.html`, html);

// The shell the service worker keeps for offline starts: everything but the worker itself.
const shell = ['./', script, style, 'manifest.webmanifest', 'icons/icon-32.png', 'icons/icon-192.png', 'icons/icon-512.png', 'icons/maskable-192.png', 'icons/maskable-512.png'];
const shellHash = createHash('sha256').update(shell.map((f) => (f === './' ? html : readFileSync(`${OUT}/${f}`))).join('\0')).digest('hex').slice(0, 12);
await build({
  ...common,
  entryPoints: ['web/src/sw.ts'],
  outfile: `${OUT}/sw.js`,
  format: 'iife',
  platform: 'browser',
  define: { ...common.define, __SHELL__: JSON.stringify(shell), __CACHE__: JSON.stringify(`agentd-shell-${VERSION}-${shellHash}`) },
});

const gz = (file) => gzipSync(readFileSync(`${OUT}/${file}`), { level: 9 }).length;
if (process.env.BUILD_WEB_QUIET !== '1') {
  console.log(`web client: ${basename(script)} ${(gz(script) / 1024).toFixed(1)} KB gzipped, ${basename(style)} ${(gz(style) / 1024).toFixed(1)} KB gzipped`);
}
