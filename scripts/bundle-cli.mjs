// agentctl runs once per command, often from an agent's tool call, so its cold start matters.
// Loaded as ~20 ES modules it took 3× `node -e 0`; as one CommonJS file it takes under 2×
// (docs/benchmarks.md, `npm run bench -- cli`). The daemon is not bundled: it starts once.
import { build } from 'esbuild';

await build({
  entryPoints: ['dist/src/agentctl.js'],
  outfile: 'dist/src/agentctl.bundle.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  // A native module: required from node_modules at run time, and only by `doctor` (loaded lazily).
  external: ['better-sqlite3'],
  // The bundle sits beside agentctl.js, so URLs made relative to the module still resolve.
  define: { 'import.meta.url': '__agentctl_module_url' },
  banner: { js: "const __agentctl_module_url = require('node:url').pathToFileURL(__filename).href;" },
});
