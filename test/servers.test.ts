// Starts the compiled CLI (`dist/`, built by `npm test` before tap runs) as
// separate processes: the mock agent, the switch, and a run through them.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import t from 'tap';

import { runCommand } from '../cli/run-command.js';
import { serverWorkerEntry, startWorkerServers } from '../cli/worker-host.js';
import { RealClock, silentLogger } from '../core/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'bin', 'voice-load.js');
const clock = new RealClock();
const START_TIMEOUT_MS = 30_000;
const RUN_TIMEOUT_MS = 120_000;
const EXIT_TIMEOUT_MS = 10_000;
const RUN_FLAGS = ['--repeats', '1', '--max-turns', '1'];

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A CLI child process with its stdout, stderr and exit. */
interface CliProcess {
  child: ChildProcess;
  stderr(): string;
  exited: Promise<Exit>;
}

function spawnCli(args: string[]): CliProcess {
  const child = spawn(process.execPath, [cli, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, stderr: () => stderr, exited };
}

/** Resolves with `promise`, or rejects after `timeoutMs` with an error naming `description`. */
function within<T>(promise: Promise<T>, timeoutMs: number, description: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = clock.setTimer(() => reject(new Error(`${description} timed out after ${timeoutMs} ms`)), timeoutMs);
    promise.then(
      (value) => {
        clock.clearTimer(timer);
        resolve(value);
      },
      (err: unknown) => {
        clock.clearTimer(timer);
        reject(err);
      },
    );
  });
}

/** Starts a server command and resolves with its process and the URL from its first stdout line. */
async function startServer(args: string[]): Promise<{ server: CliProcess; url: string }> {
  const server = spawnCli([...args, '--port', '0', '--log-level', 'warn']);
  t.teardown(() => {
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
  });

  const firstLine = new Promise<string>((resolve, reject) => {
    createInterface({ input: server.child.stdout! }).once('line', resolve);
    void server.exited.then((exit) => reject(new Error(`${args[0]} exited (${JSON.stringify(exit)}) before listening: ${server.stderr()}`)));
  });
  const line = await within(firstLine, START_TIMEOUT_MS, `${args[0]} start`);
  const match = /^(\S+) listening on (ws:\/\/\S+)$/.exec(line);
  if (match === null || match[1] !== args[0]) throw new Error(`unexpected first line from ${args[0]}: ${line}`);
  return { server, url: match[2]! };
}

function httpUrl(wsUrl: string, path: string): string {
  const url = new URL(wsUrl);
  url.protocol = 'http:';
  url.pathname = path;
  return url.href;
}

/** Collects every key path in `value`, with array elements merged under `[]`. */
function keyPaths(value: unknown, prefix = ''): Set<string> {
  const paths = new Set<string>();
  if (Array.isArray(value)) {
    for (const element of value) for (const path of keyPaths(element, `${prefix}[]`)) paths.add(path);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      paths.add(`${prefix}.${key}`);
      for (const path of keyPaths(child, `${prefix}.${key}`)) paths.add(path);
    }
  }
  return paths;
}

function readResults(outDir: string): { records: Array<Record<string, unknown>>; summary: unknown } {
  const lines = readFileSync(join(outDir, 'calls.jsonl'), 'utf8').trim().split('\n');
  return {
    records: lines.map((line) => JSON.parse(line) as Record<string, unknown>),
    summary: JSON.parse(readFileSync(join(outDir, 'summary.json'), 'utf8')),
  };
}

function readRunInfo(outDir: string): { servers: { placement: string } } {
  return JSON.parse(readFileSync(join(outDir, 'run.json'), 'utf8'));
}

function readSwitchSamples(outDir: string): Array<Record<string, unknown>> {
  const lines = readFileSync(join(outDir, 'switch-metrics.jsonl'), 'utf8').split('\n').filter((line) => line !== '');
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Key paths of each sample, without the reasons under `rejectionsByReason`, which vary by run. */
function sampleKeyPaths(samples: Array<Record<string, unknown>>): string[] {
  return [...keyPaths(samples)].filter((path) => !path.startsWith('[].rejectionsByReason.')).sort();
}

t.test('worker reports a failed start by code', async (t) => {
  const entry = serverWorkerEntry();
  if (entry === undefined) return t.fail('no server worker entry file');

  const settings = { seed: 'worker-test', number: '+15550100', target: 'mock', mockConfig: { endpointingMs: -1 }, switchOptions: {}, agentTexts: [] };
  await t.rejects(within(startWorkerServers(entry, settings, clock, silentLogger()), START_TIMEOUT_MS, 'worker start'), { code: 'VL_MOCK_OPTION_INVALID', usage: true });
});

if (!existsSync(join(root, 'dist', 'cli', 'index.js'))) {
  t.fail('dist/cli/index.js is missing: run `npm run build` (or `npm test`, which builds first)');
} else {
  const mock = await startServer(['mock-agent']);
  const switchServer = await startServer(['switch', '--route', `+15550100=${mock.url}`]);

  t.test('mock agent serves health', async (t) => {
    const response = await fetch(httpUrl(mock.url, '/health'));
    t.equal(response.status, 200, 'responds 200');
    t.same(await response.json(), { status: 'ok', activeCalls: 0 });
  });

  t.test('mock agent serves metrics', async (t) => {
    const response = await fetch(httpUrl(mock.url, '/metrics'));
    t.equal(response.status, 200, 'responds 200');
    t.match(response.headers.get('content-type'), /^text\/plain; version=0\.0\.4/, 'Prometheus text format');
    const text = await response.text();
    t.match(text, /^voice_load_mock_active_calls 0$/m, 'no active calls');
    t.match(text, /^# TYPE voice_load_mock_turns_answered_total counter$/m, 'turns answered is a counter');
    t.match(text, /^voice_load_mock_stage_active_requests\{stage="llm"\} 0$/m, 'active requests per stage');
  });

  t.test('switch serves health', async (t) => {
    const response = await fetch(httpUrl(switchServer.url, '/health'));
    t.equal(response.status, 200, 'responds 200');
    t.match(await response.json(), { status: 'ok' }, 'status ok');
  });

  t.test('switch serves metrics', async (t) => {
    const response = await fetch(httpUrl(switchServer.url, '/metrics'));
    t.equal(response.status, 200, 'responds 200');
    t.match(response.headers.get('content-type'), /^text\/plain/, 'Prometheus text format');
  });

  t.test('run through a running switch', async (t) => {
    const outDir = mkdtempSync(join(tmpdir(), 'voice-load-servers-'));
    const run = spawnCli(['run', '--switch', switchServer.url, ...RUN_FLAGS, '--out', outDir]);
    t.teardown(() => {
      if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
    });
    const exit = await within(run.exited, RUN_TIMEOUT_MS, 'run --switch');
    t.same(exit, { code: 0, signal: null }, 'run exits 0', { stderr: run.stderr() });

    const external = readResults(outDir);
    t.equal(readRunInfo(outDir).servers.placement, 'external', 'run.json records the external switch');
    t.equal(external.records.length, 5, 'five rows, one repeat');
    for (const record of external.records) t.equal(record['result_completed'], true, `${String(record['call_id'])} completed`);

    const metrics = await (await fetch(httpUrl(mock.url, '/metrics'))).text();
    t.match(metrics, /^voice_load_mock_calls_total 5$/m, 'the mock agent took the five calls');
    t.match(metrics, /^voice_load_mock_turns_answered_total 5$/m, 'the mock agent answered one turn per call');

    const builtInDir = mkdtempSync(join(tmpdir(), 'voice-load-built-in-'));
    const discard = { out: () => undefined, err: () => undefined, interactive: false };
    await runCommand({ overrides: { repeats: 1, maxTurns: 1 }, outDir: builtInDir }, discard);
    const builtIn = readResults(builtInDir);
    t.equal(readRunInfo(builtInDir).servers.placement, 'worker', 'built-in servers run in a worker thread');
    t.same([...keyPaths(external.records)].sort(), [...keyPaths(builtIn.records)].sort(), 'calls.jsonl has the keys of a built-in run');
    t.same([...keyPaths(external.summary)].sort(), [...keyPaths(builtIn.summary)].sort(), 'summary.json has the keys of a built-in run');

    const externalSamples = readSwitchSamples(outDir);
    t.ok(externalSamples.length >= 1, `${externalSamples.length} samples from GET /metrics`);
    t.ok(externalSamples.some((sample) => (sample['callsActive'] as number) > 0), 'active calls seen while the run goes on');
    // The switch runs without the routing engine, so its text has no routing families to read.
    const builtInKeys = sampleKeyPaths(readSwitchSamples(builtInDir)).filter((path) => !path.startsWith('[].routing'));
    t.same(sampleKeyPaths(externalSamples), builtInKeys, 'switch-metrics.jsonl has the keys of a built-in run, routing aside');
  });

  t.test('switch passes its model flags on', async (t) => {
    const rejected = spawnCli(['switch', '--port', '0', '--route', `+15550100=${mock.url}`, '--uplink-loss', '2']);
    t.teardown(() => {
      if (rejected.child.exitCode === null && rejected.child.signalCode === null) rejected.child.kill('SIGKILL');
    });
    const exit = await within(rejected.exited, START_TIMEOUT_MS, 'switch with an invalid --uplink-loss');
    t.same(exit, { code: 2, signal: null }, 'exits 2 because the switch rejects the loss ratio', { stderr: rejected.stderr() });
    t.match(rejected.stderr(), /^error VL_INVALID_OPTION: /m, 'names the code');
  });

  t.test('SIGINT stops a server', async (t) => {
    const { server } = await startServer(['switch', '--route', `+15550100=${mock.url}`]);
    server.child.kill('SIGINT');
    const exit = await within(server.exited, EXIT_TIMEOUT_MS, 'shutdown');
    t.same(exit, { code: 0, signal: null }, 'server exits 0', { stderr: server.stderr() });
  });

  t.test('SIGTERM stops both servers', async (t) => {
    for (const { server } of [switchServer, mock]) {
      server.child.kill('SIGTERM');
      const exit = await within(server.exited, EXIT_TIMEOUT_MS, 'shutdown');
      t.same(exit, { code: 0, signal: null }, 'server exits 0', { stderr: server.stderr() });
    }
  });
}
