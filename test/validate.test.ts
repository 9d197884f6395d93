import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import t from 'tap';

import { VALIDATE_MODE_IDS, validateCase } from '../cli/validate-cases.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = fileURLToPath(new URL('../bin/voice-load.js', import.meta.url));

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

t.test('every mode has a case', async (t) => {
  for (const mode of VALIDATE_MODE_IDS) {
    const testCase = validateCase(mode);
    t.equal(testCase.mode, mode);
    t.equal(testCase.expected === null, mode === 'healthy', `${mode} expects ${testCase.expected ?? 'no finding'}`);
  }
});

t.test('unknown mode is a usage error', async (t) => {
  const { code, stderr } = await runCli(['validate', '--modes', 'healthy,gremlins']);
  t.equal(code, 2);
  t.match(stderr, /VL_VALIDATE_MODE_INVALID/);
});

t.test('validate passes every default case', { timeout: 600_000 }, async (t) => {
  if (!existsSync(fileURLToPath(new URL('../dist/cli/validate-worker.js', import.meta.url)))) return t.fail('dist is missing: run `npm run build`');
  const { code, stdout, stderr } = await runCli(['validate', '--json']);
  const report = JSON.parse(stdout) as { cases: Array<{ mode: string; seed: string; expected: string | null; found: string[]; pass: boolean }>; recall: number; false_positives: number };
  t.equal(report.cases.length, VALIDATE_MODE_IDS.length * 5, 'five seeds per mode');
  for (const result of report.cases.filter((entry) => !entry.pass)) t.fail(`${result.mode} ${result.seed}: expected ${result.expected ?? 'nothing'}, found ${result.found.join(', ') || 'nothing'}`);
  t.equal(report.recall, 1, 'every fault case gets its finding');
  t.equal(report.false_positives, 0, 'no finding a case does not allow');
  t.equal(code, 0, `exit status 0${code === 0 ? '' : `: ${stderr.slice(-500)}`}`);
});
