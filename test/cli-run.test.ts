import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import t from 'tap';
import { parse, stringify } from 'yaml';

import { buildProgram, EXIT, main } from '../cli/main.js';
import { defaultScenarioPath } from '../cli/run-command.js';

/** Runs the CLI in this process and returns its exit status and output. */
async function runCli(argv: string[]): Promise<{ status: number; out: string; err: string }> {
  const text = { out: '', err: '' };
  const output = { out: (s: string) => void (text.out += s), err: (s: string) => void (text.err += s), interactive: false };
  const status = await main(argv, output);
  return { status, ...text };
}

/** A switch URL that no test connects to: each case below fails before dialling. */
const UNUSED_SWITCH = 'ws://127.0.0.1:9/call';

t.test('--switch with --target is a conflict', async (t) => {
  const outDir = join(mkdtempSync(join(tmpdir(), 'voice-load-cli-')), 'out');
  const result = await runCli(['run', '--switch', UNUSED_SWITCH, '--target', 'ws://127.0.0.1:9/media', '--out', outDir]);

  t.equal(result.status, EXIT.usage, 'exits 2');
  t.match(result.err, /^error VL_OPTION_CONFLICT: /m, 'names the code');
  t.match(result.err, /fix: /, 'says how to fix it');
  t.notOk(existsSync(outDir), 'fails before creating the output folder');
});

t.test('--switch with a scenario target is a conflict', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'voice-load-cli-'));
  const scenarioPath = join(dir, 'real-agent.yaml');
  writeFileSync(scenarioPath, readFileSync(defaultScenarioPath(), 'utf8').replace(/^target: .*$/m, 'target: ws://127.0.0.1:9/media'));
  const result = await runCli(['run', scenarioPath, '--switch', UNUSED_SWITCH, '--out', join(dir, 'out')]);

  t.equal(result.status, EXIT.usage, 'exits 2');
  t.match(result.err, /^error VL_OPTION_CONFLICT: /m, 'names the code');
});

t.test('invalid flags exit 2 with their code', async (t) => {
  const cases: Array<{ argv: string[]; code: string }> = [
    { argv: ['run', '--switch', 'http://127.0.0.1:9/call'], code: 'VL_INVALID_URL' },
    { argv: ['switch', '--route', '+15550100'], code: 'VL_INVALID_ROUTE' },
    { argv: ['switch', '--route', 'support=ws://127.0.0.1:9/media'], code: 'VL_INVALID_ROUTE' },
    { argv: ['switch', '--route', '+15550100=http://127.0.0.1:9/media'], code: 'VL_INVALID_ROUTE' },
    { argv: ['switch', '--route', '+15550100=ws://127.0.0.1:9/a', '--route', '+15550100=ws://127.0.0.1:9/b'], code: 'VL_DUPLICATE_ROUTE' },
    { argv: ['switch'], code: 'VL_MISSING_ROUTE' },
    { argv: ['switch', '--route', '+15550100=ws://127.0.0.1:9/media', '--port', '70000'], code: 'VL_INVALID_PORT' },
    { argv: ['mock-agent', '--port', 'http'], code: 'VL_INVALID_PORT' },
    { argv: ['mock-agent', '--host', '127.0.0.1:8081'], code: 'VL_INVALID_HOST' },
    { argv: ['mock-agent', '--log-level', 'loud'], code: 'VL_INVALID_LOG_LEVEL' },
    { argv: ['mock-agent', '--endpointing-ms', '-1'], code: 'VL_INVALID_OPTION' },
    { argv: ['switch', '--route', '+15550100=ws://127.0.0.1:9/media', '--agent-connect-timeout-ms', 'soon'], code: 'VL_INVALID_OPTION' },
  ];
  for (const { argv, code } of cases) {
    const result = await runCli(argv);
    t.equal(result.status, EXIT.usage, `${argv.join(' ')} exits 2`);
    t.match(result.err, code, `${argv.join(' ')} names ${code}`);
  }
});

t.test('help states units', async (t) => {
  const expected: Record<string, RegExp[]> = {
    run: [/--switch <url>/, /--turn-timeout-ms <ms>\s+ms to wait/],
    switch: [/--port <port>\s+TCP port/, /--route <number=url>/, /--cps <calls\/s>/, /--uplink-loss <ratio>/, /--agent-connect-timeout-ms <ms>\s+Maximum wait/],
    'mock-agent': [/--port <port>\s+TCP port/, /--endpointing-ms <ms>\s+ms of caller silence/],
  };
  for (const [command, patterns] of Object.entries(expected)) {
    const result = await runCli([command, '--help']);
    t.equal(result.status, EXIT.ok, `${command} --help exits 0`);
    for (const pattern of patterns) t.match(result.out, pattern, `${command} --help matches ${pattern}`);
  }
});

t.test('repeated --route keeps every route', async (t) => {
  const program = buildProgram({ out: () => undefined, err: () => undefined, interactive: false }, () => undefined);
  const switchCommand = program.commands.find((command) => command.name() === 'switch')!;
  switchCommand.parseOptions(['--route', '+15550100=ws://127.0.0.1:9/a', '--route', '+15550101=ws://127.0.0.1:9/b']);

  t.same(switchCommand.opts()['route'], [
    { number: '+15550100', url: 'ws://127.0.0.1:9/a' },
    { number: '+15550101', url: 'ws://127.0.0.1:9/b' },
  ]);
});

/** Writes the bundled scenario cut to its first two rows, one repeat and one turn, and returns its path. */
function writeTwoCallScenario(dir: string): string {
  const scenario = parse(readFileSync(defaultScenarioPath(), 'utf8')) as { rows: unknown[] } & Record<string, unknown>;
  const path = join(dir, 'two-calls.yaml');
  writeFileSync(path, stringify({ ...scenario, rows: scenario.rows.slice(0, 2), repeats: 1, maxTurns: 1 }));
  return path;
}

type SampleLine = Record<string, unknown> & { run_ms: number };

function readSwitchSamples(outDir: string): SampleLine[] {
  const text = readFileSync(join(outDir, 'switch-metrics.jsonl'), 'utf8');
  return text.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as SampleLine);
}

/** Key paths of a sample, without the reasons under `rejectionsByReason`, which vary by run. */
function sampleKeys(sample: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(sample).flatMap(([key, value]) => {
    const path = `${prefix}${key}`;
    if (key === 'rejectionsByReason' || value === null || typeof value !== 'object') return [path];
    return [path, ...sampleKeys(value as Record<string, unknown>, `${path}.`)];
  }).sort();
}

t.test('live run writes switch-metrics.jsonl', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'voice-load-cli-'));
  const scenarioPath = writeTwoCallScenario(dir);
  const liveDir = join(dir, 'live');
  const simDir = join(dir, 'sim');

  const live = await runCli(['run', scenarioPath, '--out', liveDir]);
  t.equal(live.status, EXIT.ok, 'live run exits 0', { stderr: live.err });
  t.equal(JSON.parse(readFileSync(join(liveDir, 'run.json'), 'utf8')).servers.placement, 'worker', 'the switch ran in the worker thread');
  const sim = await runCli(['run', scenarioPath, '--mode', 'sim', '--out', simDir]);
  t.equal(sim.status, EXIT.ok, 'sim run exits 0', { stderr: sim.err });

  const liveSamples = readSwitchSamples(liveDir);
  const simSamples = readSwitchSamples(simDir);
  t.ok(liveSamples.length >= 1, `${liveSamples.length} live samples`);
  t.ok(simSamples.length >= 1, `${simSamples.length} sim samples`);

  const runMs = liveSamples.map((sample) => sample.run_ms);
  t.ok(runMs.every((ms) => ms % 1000 === 0), `run_ms on whole seconds: ${runMs.join(', ')}`);
  t.ok(runMs.every((ms, index) => index === 0 || ms > runMs[index - 1]!), 'run_ms increasing');
  const expectedKeys = sampleKeys(simSamples[0]!);
  for (const sample of liveSamples) t.same(sampleKeys(sample), expectedKeys, `sample at run_ms ${sample.run_ms} has the keys of a sim sample`);
  t.ok(liveSamples.some((sample) => (sample['callsActive'] as number) > 0), 'active calls seen while the run goes on');
});
