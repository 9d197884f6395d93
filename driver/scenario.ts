import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';

import { parse as parseYaml } from 'yaml';

import { UsageError } from '../core/index.js';

/** One conversation template: what the caller asks and what the agent should say. */
export interface ScenarioRow {
  input: string;
  result: string;
  followUps: string[];
}

/** A scenario after validation, with every default filled in. */
export interface Scenario {
  rows: ScenarioRow[];
  repeats: number;
  maxTurns: number;
  /** Calls in progress at once; Infinity for `unlimited`. */
  maxParallel: number;
  turnTimeoutMs: number;
  greetingTimeoutMs: number;
  setupTimeoutMs: number;
  expectGreeting: boolean;
  /** Silence after the agent's last voiced frame that ends its answer. */
  agentEndSilenceMs: number;
  /** Mean pause before the caller's next utterance, drawn within +-50%. */
  callerGapMs: number;
  /** Mean time between dials, drawn within +-dialJitter of it. */
  dialIntervalMs: number;
  /** Share of dialIntervalMs by which each gap is randomly moved (0 to 1). */
  dialJitter: number;
  /** Largest random phase, in ms, added to each call's 20 ms frame grid. */
  framePhaseMs: number;
  /**
   * Calls dialled per second, or null to dial `dialIntervalMs` apart. With a
   * rate, a call due while `maxParallel` calls are active is not started
   * (`driver_cap`) rather than delayed, since delaying it would hide load.
   */
  arrivalRate: number | null;
  /** Time over which the arrival rate climbs linearly from 0 to `arrivalRate`. */
  rampUpMs: number;
  /** Times a call rejected by the switch for CPS or channels is dialled again. */
  redial: number;
  /** Wait before dialling a rejected call again. */
  redialDelayMs: number;
  /** Pass conditions on summary.json fields, such as `conv_latency_p90<1500`. */
  thresholds: string[];
  /** Folder that WAV paths in the rows are relative to: the scenario file's. */
  baseDir: string;
  seed: string;
  number: string;
  /** `mock`, or the ws:// URL of a real agent that the switch routes `number` to. */
  target: string;
}

/** Defaults for every scenario field but `rows`. */
export const SCENARIO_DEFAULTS: Readonly<Omit<Scenario, 'rows'>> = Object.freeze({
  repeats: 1,
  maxTurns: 3,
  maxParallel: 10,
  turnTimeoutMs: 8000,
  greetingTimeoutMs: 5000,
  setupTimeoutMs: 5000,
  expectGreeting: true,
  agentEndSilenceMs: 800,
  callerGapMs: 300,
  dialIntervalMs: 100,
  dialJitter: 0.5,
  framePhaseMs: 20,
  arrivalRate: null,
  rampUpMs: 0,
  redial: 0,
  redialDelayMs: 1000,
  thresholds: [],
  baseDir: '.',
  seed: 'voice-load',
  number: '+15550100',
  target: 'mock',
});

const KNOWN_FIELDS = new Set(['rows', ...Object.keys(SCENARIO_DEFAULTS).filter((key) => key !== 'baseDir')]);

/** Prefix of an utterance that names a WAV file instead of text, as `wav:relative/path.wav`. */
export const WAV_UTTERANCE_PREFIX = 'wav:';

/** Reads and validates a scenario YAML file. */
export function loadScenario(path: string): Scenario {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError('VL_SCENARIO_NOT_FOUND', `cannot read scenario file ${path}: ${(err as Error).message}`, 'give the path of a scenario YAML file, or omit it to run scenarios/support.yaml');
  }

  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new UsageError('VL_SCENARIO_INVALID', `scenario ${path} is not valid YAML: ${(err as Error).message}`, 'fix the YAML syntax at the line shown');
  }
  return { ...parseScenario(raw, path), baseDir: dirname(path) };
}

/** Validates a parsed scenario object: single fields first, then combinations. */
export function parseScenario(raw: unknown, source = 'scenario'): Scenario {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw invalid(source, 'the file', 'must be a mapping with a `rows` list');
  }
  const fields = raw as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (!KNOWN_FIELDS.has(key)) throw invalid(source, key, `is not a scenario field; known fields: ${[...KNOWN_FIELDS].join(', ')}`);
  }

  const scenario: Scenario = { ...SCENARIO_DEFAULTS, rows: parseRows(fields['rows'], source) };
  const numeric: Array<[keyof Scenario, number, number]> = [
    ['repeats', 1, 1e6],
    ['maxTurns', 1, 100],
    ['turnTimeoutMs', 100, 600000],
    ['greetingTimeoutMs', 100, 600000],
    ['setupTimeoutMs', 100, 600000],
    ['agentEndSilenceMs', 100, 10000],
    ['callerGapMs', 0, 60000],
    ['dialIntervalMs', 0, 3600000],
    ['dialJitter', 0, 1],
    ['framePhaseMs', 0, 20],
    ['rampUpMs', 0, 3600000],
    ['redial', 0, 100],
    ['redialDelayMs', 0, 600000],
  ];
  for (const [key, min, max] of numeric) {
    if (fields[key] !== undefined) (scenario as unknown as Record<string, number>)[key] = parseNumber(fields[key], key, min, max, source);
  }
  if (fields['arrivalRate'] !== undefined && fields['arrivalRate'] !== null) scenario.arrivalRate = parseNumber(fields['arrivalRate'], 'arrivalRate', 0.001, 10000, source);
  if (fields['maxParallel'] !== undefined) scenario.maxParallel = parseParallel(fields['maxParallel'], source);
  if (fields['expectGreeting'] !== undefined) {
    if (typeof fields['expectGreeting'] !== 'boolean') throw invalid(source, 'expectGreeting', `must be true or false, got ${JSON.stringify(fields['expectGreeting'])}`);
    scenario.expectGreeting = fields['expectGreeting'];
  }
  if (fields['thresholds'] !== undefined) scenario.thresholds = parseThresholdList(fields['thresholds'], source);
  if (fields['seed'] !== undefined) scenario.seed = parseSeed(fields['seed'], source);
  if (fields['number'] !== undefined) scenario.number = parseNumberToDial(fields['number'], source);
  if (fields['target'] !== undefined) scenario.target = parseTarget(fields['target'], source);

  checkCombinations(scenario, source);
  return scenario;
}

function parseThresholdList(value: unknown, source: string): string[] {
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string' || item.trim() === '')) {
    throw invalid(source, 'thresholds', `must be a list of conditions such as "conv_latency_p90<1500", got ${JSON.stringify(value)}`);
  }
  return value.map((item: string) => item.trim());
}

function parseRows(value: unknown, source: string): ScenarioRow[] {
  if (!Array.isArray(value) || value.length === 0) throw invalid(source, 'rows', 'must be a non-empty list of { input, result, followUps? }');
  return value.map((row, index) => parseRow(row, index, source));
}

function parseRow(value: unknown, index: number, source: string): ScenarioRow {
  const where = `rows[${index}]`;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalid(source, where, 'must be a mapping with `input` and `result`');
  const row = value as Record<string, unknown>;
  for (const key of Object.keys(row)) {
    if (!['input', 'result', 'followUps'].includes(key)) throw invalid(source, `${where}.${key}`, 'is not a row field; rows take input, result and followUps');
  }
  const input = parseUtterance(row['input'], `${where}.input`, source);
  const result = parseText(row['result'], `${where}.result`, source);
  const followUps = row['followUps'] ?? [];
  if (!Array.isArray(followUps)) throw invalid(source, `${where}.followUps`, 'must be a list of texts or { wav: file }');
  return { input, result, followUps: followUps.map((text, i) => parseUtterance(text, `${where}.followUps[${i}]`, source)) };
}

/** Parses what the caller says: text, or `{ wav: file }` naming a recording relative to the scenario file. */
function parseUtterance(value: unknown, where: string, source: string): string {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const fields = value as Record<string, unknown>;
    const wav = fields['wav'];
    if (Object.keys(fields).some((key) => key !== 'wav') || typeof wav !== 'string' || !wav.toLowerCase().endsWith('.wav')) {
      throw invalid(source, where, `must be text or { wav: file.wav }, got ${JSON.stringify(value)}`);
    }
    return `${WAV_UTTERANCE_PREFIX}${wav}`;
  }
  return parseText(value, where, source);
}

function parseText(value: unknown, where: string, source: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw invalid(source, where, `must be non-empty text, got ${JSON.stringify(value)}`);
  return value.trim().replace(/\s+/g, ' ');
}

/** Parses a number within [min, max]; also used for CLI flags. */
export function parseNumber(value: unknown, key: string, min: number, max: number, source = 'option'): number {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isFinite(number) || number < min || number > max) {
    throw invalid(source, key, `must be a number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  if (['repeats', 'maxTurns', 'redial'].includes(key) && !Number.isInteger(number)) throw invalid(source, key, `must be a whole number, got ${JSON.stringify(value)}`);
  return number;
}

/** Parses `maxParallel`: a whole number of calls, or `unlimited`. */
export function parseParallel(value: unknown, source = 'option'): number {
  if (value === 'unlimited') return Infinity;
  const number = parseNumber(value, 'maxParallel', 1, 100000, source);
  if (!Number.isInteger(number)) throw invalid(source, 'maxParallel', `must be a whole number or "unlimited", got ${JSON.stringify(value)}`);
  return number;
}

/** Parses the run seed: any non-empty string or number. */
export function parseSeed(value: unknown, source = 'option'): string {
  if ((typeof value !== 'string' && typeof value !== 'number') || String(value).trim() === '') {
    throw invalid(source, 'seed', `must be a non-empty string or number, got ${JSON.stringify(value)}`);
  }
  return String(value);
}

function parseNumberToDial(value: unknown, source: string): string {
  const text = String(value);
  if (!/^\+?[0-9]{3,15}$/.test(text)) throw invalid(source, 'number', `must be a phone number such as +15550100, got ${JSON.stringify(value)}`);
  return text;
}

/** Parses `target`: `mock` or a ws:// or wss:// URL. */
export function parseTarget(value: unknown, source = 'option'): string {
  if (value === 'mock') return value;
  if (typeof value === 'string') {
    try {
      const url = new URL(value);
      if (url.protocol === 'ws:' || url.protocol === 'wss:') return value;
    } catch {
      // Falls through to the error below.
    }
  }
  throw invalid(source, 'target', `must be "mock" or a ws:// URL of an agent, got ${JSON.stringify(value)}`);
}

/** Checks the combinations of a scenario after flags changed its fields, and returns it. */
export function checkScenario(scenario: Scenario, source = 'options'): Scenario {
  checkCombinations(scenario, source);
  return scenario;
}

function checkCombinations(scenario: Scenario, source: string): void {
  if (scenario.rampUpMs > 0 && scenario.arrivalRate === null) {
    throw invalid(source, 'rampUpMs', `(${scenario.rampUpMs}) needs arrivalRate, the rate the ramp climbs to`);
  }
  if (scenario.turnTimeoutMs <= scenario.agentEndSilenceMs) {
    throw invalid(source, 'turnTimeoutMs', `(${scenario.turnTimeoutMs}) must be longer than agentEndSilenceMs (${scenario.agentEndSilenceMs})`);
  }
}

function invalid(source: string, field: string, problem: string): UsageError {
  return new UsageError('VL_SCENARIO_INVALID', `${source}: ${field} ${problem}`, `fix ${field} in ${source} or the flag that sets it`);
}
