// The `codex app-server` protocol types for the pinned codex, checked in so that bumping
// @openai/codex shows up as a type error in the driver rather than as a silent misreading.
//
//   node scripts/codex-protocol.mjs          regenerate src/providers/codex/protocol/
//   node scripts/codex-protocol.mjs --check  exit 1 if the checked-in types differ from what the
//                                            installed codex prints (test/unit/providers runs it)
//
// `codex app-server generate-ts` writes extension-less relative imports; this project is strict
// ESM (NodeNext), so each import gets its `.js` (or `/index.js` for a folder). Nothing else changes.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const PROTOCOL_DIR = join(repo, 'src/providers/codex/protocol');
const CODEX_BIN = join(repo, 'node_modules/.bin/codex');
/** Files of ours in the folder that the generator does not write. */
const OWN_FILES = new Set(['README.md']);

function listFiles(dir, base = dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path, base) : [relative(base, path)];
  });
}

/** Runs the installed codex's generator into a fresh temp dir; returns {files: Map<path, text>, cleanup}. */
export function generate() {
  const work = mkdtempSync(join(tmpdir(), 'codex-protocol-'));
  const out = join(work, 'out');
  const home = join(work, 'home');
  mkdirSync(home);
  // A private CODEX_HOME: the generator must not read or write the user's config.
  const result = spawnSync(CODEX_BIN, ['app-server', 'generate-ts', '--out', out], {
    env: { PATH: process.env.PATH, HOME: home, CODEX_HOME: home },
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    rmSync(work, { recursive: true, force: true });
    throw new Error(`codex app-server generate-ts failed (${result.status ?? result.signal}): ${result.stderr || result.error?.message}`);
  }
  const files = new Map();
  for (const path of listFiles(out)) {
    const text = readFileSync(join(out, path), 'utf8');
    files.set(path, text.replace(/from "(\.{1,2}\/[^"]+)"/g, (_, spec) => {
      const target = join(out, dirname(path), spec);
      return `from "${spec}${existsSync(target) && statSync(target).isDirectory() ? '/index.js' : '.js'}"`;
    }));
  }
  rmSync(work, { recursive: true, force: true });
  return files;
}

/** Differences between the checked-in folder and a fresh generation, one line each. */
export function differences(fresh) {
  const found = [];
  const present = new Set(listFiles(PROTOCOL_DIR).filter((p) => !OWN_FILES.has(p)));
  for (const [path, text] of fresh) {
    if (!present.has(path)) found.push(`missing: ${path}`);
    else if (readFileSync(join(PROTOCOL_DIR, path), 'utf8') !== text) found.push(`differs: ${path}`);
    present.delete(path);
  }
  for (const path of present) found.push(`no longer generated: ${path}`);
  return found;
}

function write(fresh) {
  for (const path of listFiles(PROTOCOL_DIR)) if (!OWN_FILES.has(path)) rmSync(join(PROTOCOL_DIR, path));
  for (const [path, text] of fresh) {
    mkdirSync(dirname(join(PROTOCOL_DIR, path)), { recursive: true });
    writeFileSync(join(PROTOCOL_DIR, path), text);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const fresh = generate();
  if (process.argv.includes('--check')) {
    const found = differences(fresh);
    if (found.length > 0) {
      console.error(`src/providers/codex/protocol/ does not match the installed codex (${found.length}):\n  ${found.slice(0, 20).join('\n  ')}`);
      console.error('Run `node scripts/codex-protocol.mjs`, then fix the type errors it reveals.');
      process.exit(1);
    }
    console.log(`codex protocol types match (${fresh.size} files)`);
  } else {
    write(fresh);
    console.log(`wrote ${fresh.size} files to ${relative(repo, PROTOCOL_DIR)}`);
  }
}
