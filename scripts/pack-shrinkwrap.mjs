// `npm pack` / `npm publish` ship npm-shrinkwrap.json, the one lockfile npm honours for an installed
// package: a global install then gets exactly the runtime tree the tests ran against, overrides
// included (npm ignores a dependency's `overrides`, so without it light-my-request would float to a
// release that needs Node 22). It is package-lock.json without the development-only entries, written
// at prepack and removed at postpack, so the repository keeps a single lockfile.
//   node scripts/pack-shrinkwrap.mjs write|remove
import { readFileSync, rmSync, writeFileSync } from 'node:fs';

const target = 'npm-shrinkwrap.json';
const mode = process.argv[2];

if (mode === 'remove') {
  rmSync(target, { force: true });
} else if (mode === 'write') {
  const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
  const packages = {};
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === '') {
      const { devDependencies: _dev, ...root } = entry;
      packages[path] = root;
    } else if (!entry.dev) {
      packages[path] = entry;
    }
  }
  writeFileSync(target, `${JSON.stringify({ ...lock, packages }, null, 2)}\n`);
} else {
  process.stderr.write('usage: node scripts/pack-shrinkwrap.mjs write|remove\n');
  process.exitCode = 2;
}
