// Builds and type-checks the project, runs the tap suite, then prints the
// closing `N passed, N failed` line that CI reads. Exits with tap's status.
import { spawnSync } from 'node:child_process';

// The build comes first because some tests start the compiled CLI as a child process.
for (const project of ['tsconfig.json', 'tsconfig.test.json']) {
  const check = spawnSync('npx', ['tsc', '-p', project], { stdio: 'inherit' });
  if (check.status !== 0) {
    console.log('0 passed, 1 failed');
    process.exit(check.status ?? 1);
  }
}

const files = process.argv.slice(2);
const tap = spawnSync('npx', ['tap', '--reporter=tap', ...files], { encoding: 'utf8', stdio: ['inherit', 'pipe', 'inherit'], maxBuffer: 256 * 1024 * 1024 });
process.stdout.write(tap.stdout ?? '');

// tap's TAP reporter closes with a line such as `# { total: 9, pass: 8, fail: 1 }`.
const totals = /^# \{ total: (\d+)(.*)\}$/m.exec(tap.stdout ?? '');
const count = (name) => Number(new RegExp(`${name}: (\\d+)`).exec(totals?.[2] ?? '')?.[1] ?? 0);
const passed = count('pass');
const failed = count('fail');
const status = tap.status ?? 1;
console.log(`${passed} passed, ${status !== 0 && failed === 0 ? 1 : failed} failed`);
process.exit(status);
