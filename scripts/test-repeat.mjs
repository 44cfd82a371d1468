// `npm run test:repeat -- N [--load] [vitest args…]`: runs the whole suite N times in a row and
// prints how many runs passed and every test that failed, with how often. With --load, a CPU
// burner (one busy process per core) runs beside the suite, as on a busy machine; it is started
// and stopped here, also when this script is interrupted.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';

const args = process.argv.slice(2);
const runs = Number(args.find((a) => /^\d+$/.test(a)) ?? 1);
const load = args.includes('--load');
const vitestArgs = args.filter((a) => a !== '--load' && !/^\d+$/.test(a));
if (!Number.isInteger(runs) || runs < 1) {
  process.stderr.write('usage: npm run test:repeat -- N [--load] [vitest args…]\n');
  process.exit(2);
}

const build = spawnSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const burners = [];
const stopBurners = () => {
  for (const burner of burners) burner.kill('SIGKILL');
  burners.length = 0;
};
if (load) {
  for (let i = 0; i < availableParallelism(); i++) {
    burners.push(spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
  }
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    stopBurners();
    process.exit(130);
  });
}

const dir = mkdtempSync(join(tmpdir(), 'test-repeat-'));
const failures = new Map();
let passed = 0;
const started = Date.now();
try {
  for (let i = 1; i <= runs; i++) {
    const report = join(dir, `run-${i}.json`);
    const t0 = Date.now();
    const result = spawnSync('npx', ['vitest', 'run', '--reporter=dot', '--reporter=json', `--outputFile.json=${report}`, ...vitestArgs], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: process.env,
    });
    const failed = failedTests(report);
    const ok = result.status === 0 && failed.length === 0;
    if (ok) passed += 1;
    for (const name of failed) failures.set(name, (failures.get(name) ?? 0) + 1);
    if (!ok && failed.length === 0) failures.set(`(run ${i}: vitest exited ${result.status} with no failed test in its report)`, 1);
    process.stdout.write(`run ${i}/${runs}: ${ok ? 'pass' : 'FAIL'} in ${((Date.now() - t0) / 1000).toFixed(1)} s${failed.length ? ` — ${failed.join('; ')}` : ''}\n`);
  }
} finally {
  stopBurners();
  rmSync(dir, { recursive: true, force: true });
}

process.stdout.write(`\n${passed}/${runs} runs passed${load ? ' under CPU load' : ''} in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
for (const [name, count] of [...failures].sort((a, b) => b[1] - a[1])) process.stdout.write(`  failed ${count}×: ${name}\n`);
process.exit(passed === runs ? 0 : 1);

function failedTests(reportPath) {
  let report;
  try {
    report = JSON.parse(readFileSync(reportPath, 'utf8'));
  } catch {
    return [];
  }
  const names = [];
  for (const file of report.testResults ?? []) {
    const path = file.name.slice(process.cwd().length + 1);
    const failedHere = (file.assertionResults ?? []).filter((t) => t.status === 'failed');
    for (const test of failedHere) names.push(`${path} > ${test.fullName}`);
    // A file that fails outside any test (a hook, an import) has no failed assertion to name.
    if (failedHere.length === 0 && file.status === 'failed') names.push(`${path} (${(file.message ?? 'file failed').split('\n')[0]})`);
  }
  return names;
}
