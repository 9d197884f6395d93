import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import t from 'tap';

import { callerSpeechRequest, clipKey, loadScenario, parseParallel, parseScenario, parseTarget, SCENARIO_DEFAULTS, turnTexts, GENERIC_FOLLOW_UPS } from '../driver/index.js';

const ROW = { input: 'Hello there.', result: 'Hi.' };

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

t.test('bundled scenario loads with its settings', async (t) => {
  const scenario = loadScenario(new URL('../scenarios/support.yaml', import.meta.url).pathname);
  t.equal(scenario.rows.length, 5);
  t.equal(scenario.repeats, 2);
  t.equal(scenario.maxTurns, 3);
  t.equal(scenario.maxParallel, 10);
  t.equal(scenario.target, 'mock');
});

t.test('missing fields take the defaults', async (t) => {
  const scenario = parseScenario({ rows: [ROW] });
  t.equal(scenario.turnTimeoutMs, SCENARIO_DEFAULTS.turnTimeoutMs);
  t.equal(scenario.number, '+15550100');
  t.equal(scenario.dialIntervalMs, 100);
  t.same(scenario.rows[0]!.followUps, []);
});

t.test('unlimited parallel calls parse as Infinity', async (t) => {
  t.equal(parseScenario({ rows: [ROW], maxParallel: 'unlimited' }).maxParallel, Infinity);
  t.equal(parseParallel('25'), 25);
});

t.test('invalid scenarios are rejected with a code', async (t) => {
  const cases: Array<[string, unknown]> = [
    ['not a mapping', ['a']],
    ['no rows', {}],
    ['empty rows', { rows: [] }],
    ['row without result', { rows: [{ input: 'x' }] }],
    ['blank input', { rows: [{ input: '  ', result: 'y' }] }],
    ['unknown field', { rows: [ROW], concurrency: 3 }],
    ['unknown row field', { rows: [{ ...ROW, answer: 'z' }] }],
    ['negative repeats', { rows: [ROW], repeats: -1 }],
    ['fractional turns', { rows: [ROW], maxTurns: 1.5 }],
    ['zero parallel', { rows: [ROW], maxParallel: 0 }],
    ['bad target', { rows: [ROW], target: 'http://agent' }],
    ['bad number', { rows: [ROW], number: 'call me' }],
    ['timeout shorter than answer end', { rows: [ROW], turnTimeoutMs: 500, agentEndSilenceMs: 800 }],
  ];
  for (const [name, raw] of cases) t.equal(codeOf(() => parseScenario(raw)), 'VL_SCENARIO_INVALID', name);
});

t.test('unreadable file and bad YAML have their own codes', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'voice-load-scenario-'));
  t.equal(codeOf(() => loadScenario(join(dir, 'absent.yaml'))), 'VL_SCENARIO_NOT_FOUND');
  const broken = join(dir, 'broken.yaml');
  writeFileSync(broken, 'rows: [\n  - input: "x"\n');
  t.equal(codeOf(() => loadScenario(broken)), 'VL_SCENARIO_INVALID');
});

t.test('error names the field and the value', async (t) => {
  try {
    parseScenario({ rows: [ROW], repeats: 'many' }, 'my.yaml');
    t.fail('expected an error');
  } catch (err) {
    t.match((err as Error).message, /my\.yaml: repeats .*"many"/);
  }
});

t.test('target accepts mock and ws URLs only', async (t) => {
  t.equal(parseTarget('mock'), 'mock');
  t.equal(parseTarget('ws://127.0.0.1:9000/media'), 'ws://127.0.0.1:9000/media');
  t.equal(codeOf(() => parseTarget('127.0.0.1:9000')), 'VL_SCENARIO_INVALID');
});

t.test('turns use input, follow-ups, then generic follow-ups', async (t) => {
  const texts = turnTexts({ input: 'A', result: 'R', followUps: ['B'] }, 4);
  t.same(texts, ['A', 'B', GENERIC_FOLLOW_UPS[0], GENERIC_FOLLOW_UPS[1]]);
  t.same(turnTexts({ input: 'A', result: 'R', followUps: ['B', 'C'] }, 1), ['A']);
});

t.test('rows may name WAV recordings', async (t) => {
  const scenario = parseScenario({ rows: [{ input: { wav: 'calls/hello.wav' }, result: 'Hi.', followUps: [{ wav: 'bye.WAV' }, 'Thanks.'] }] });
  t.equal(scenario.rows[0]!.input, 'wav:calls/hello.wav');
  t.equal(scenario.rows[0]!.followUps[0], 'wav:bye.WAV');
  t.equal(clipKey('wav:calls/hello.wav', '/data/scenarios'), 'wav:/data/scenarios/calls/hello.wav', 'resolved against the scenario folder');
  t.equal(clipKey('Thanks.', '/data/scenarios'), 'Thanks.', 'text stays text');
  t.same(callerSpeechRequest('wav:calls/hello.wav'), { role: 'caller', wavPath: 'calls/hello.wav' });
});

t.test('bad WAV reference is rejected', async (t) => {
  t.equal(codeOf(() => parseScenario({ rows: [{ input: { wav: 'notes.txt' }, result: 'x' }] })), 'VL_SCENARIO_INVALID', 'not a .wav file');
  t.equal(codeOf(() => parseScenario({ rows: [{ input: { wav: 'a.wav', speed: 2 }, result: 'x' }] })), 'VL_SCENARIO_INVALID', 'unknown key');
});

t.test('scenario file sets the WAV base folder', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'voice-load-scenario-'));
  const path = join(dir, 'calls.yaml');
  writeFileSync(path, 'rows:\n  - input: { wav: a.wav }\n    result: "Hello."\n');
  t.equal(loadScenario(path).baseDir, dir);
});
