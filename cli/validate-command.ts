import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

import { Option, type Command } from 'commander';

import { loadVad, prepareSpeech, type AudioLibrary, type VadFactory } from '../audio/index.js';
import { diagnose, type FindingMode, type RunData } from '../analysis/diagnosis/index.js';
import { toRunData } from '../analysis/run-data.js';
import { UsageError, VoiceLoadError } from '../core/index.js';
import { loadScenario, type CallRecord, type Scenario } from '../driver/index.js';
import { flag } from './flags.js';
import { defaultScenarioPath, type Output, type RunMode } from './run-command.js';
import { openTarget, speechRequests } from './sweep-command.js';
import { planSweep } from './sweep.js';
import { faultSize, roundTo, VALIDATE_MARGIN, VALIDATE_MODE_IDS, validateCase, validateStrength, type ValidateCase, type ValidateModeId } from './validate-cases.js';
import type { ValidateJob } from './validate-worker.js';

export interface ValidateOptions {
  modes: ValidateModeId[];
  seeds: number;
  mode: RunMode;
  /** Each fault's strength as a multiple of its mode's minimum detectable effect. */
  margin: number;
  json: boolean;
}

export const VALIDATE_DEFAULTS = Object.freeze({ seeds: 5 });

/** One injected case and what the diagnosis found. */
export interface CaseResult {
  mode: ValidateModeId;
  seed: string;
  expected: FindingMode | null;
  found: FindingMode[];
  pass: boolean;
  /** Calls of the shortest prefix of the case's calls that gave the expected finding, checked at quarters. */
  flagged_after_calls: number | null;
  total_calls: number;
}

export interface ValidateReport {
  cases: CaseResult[];
  /** Share of fault cases (not healthy) that got their expected finding. */
  recall: number;
  /** Findings that no case allowed, over every case. */
  false_positives: number;
}

/** Runs one case: injects its fault, places its calls, diagnoses them. */
export async function runCase(testCase: ValidateCase, seed: string, mode: RunMode, base: Scenario, audio: AudioLibrary, vad: VadFactory): Promise<CaseResult> {
  const scenario: Scenario = { ...base, ...testCase.scenario, seed };
  const target = await openTarget(mode, scenario, audio, vad, testCase.mock, testCase.switchOptions);
  const levels: Array<{ data: Omit<RunData, 'turns' | 'calls'>; records: CallRecord[] }> = [];
  try {
    for (const level of caseLevels(testCase)) {
      const levelScenario: Scenario = { ...scenario, maxParallel: level.concurrency, repeats: Math.ceil(level.calls / scenario.rows.length) };
      const records: CallRecord[] = [];
      await target.run(levelScenario, (record) => records.push(record), `${level.phase}-c${level.concurrency}`);
      levels.push({ data: { label: level.label, concurrency: level.concurrency, phase: level.phase, turnTimeoutMs: scenario.turnTimeoutMs, rejections: {}, dialTimesMs: [] }, records });
    }
  } finally {
    await target.close();
  }

  const found = findingsOf(levels, Infinity);
  const pass = testCase.expected === null ? found.length === 0 : found.includes(testCase.expected) && found.every((mode) => mode === testCase.expected || testCase.allowed.includes(mode));
  const total = levels.reduce((sum, level) => sum + level.records.length, 0);
  return { mode: testCase.mode, seed, expected: testCase.expected, found, pass, flagged_after_calls: pass && testCase.expected !== null ? earliestFlag(levels, testCase.expected, total) : null, total_calls: total };
}

function caseLevels(testCase: ValidateCase): Array<{ label: string; concurrency: number; phase: RunData['phase']; calls: number }> {
  if (testCase.shape.kind === 'single') return [{ label: 'single', concurrency: testCase.shape.concurrency, phase: 'single', calls: testCase.shape.calls }];
  return planSweep(testCase.shape.levels, testCase.shape.stepDown, testCase.shape.callsPerLevel);
}

/** Modes found on the first `limit` calls, taken level by level in the order they ended. */
function findingsOf(levels: ReadonlyArray<{ data: Omit<RunData, 'turns' | 'calls'>; records: CallRecord[] }>, limit: number): FindingMode[] {
  const runs: RunData[] = [];
  let left = limit;
  for (const level of levels) {
    if (left <= 0) break;
    const records = level.records.slice(0, left);
    left -= records.length;
    runs.push(toRunData(records, level.data));
  }
  return diagnose({ runs }).findings.map((finding) => finding.mode);
}

/** Smallest quarter of the calls that already gives `expected`. */
function earliestFlag(levels: ReadonlyArray<{ data: Omit<RunData, 'turns' | 'calls'>; records: CallRecord[] }>, expected: FindingMode, total: number): number {
  for (const share of [0.25, 0.5, 0.75]) {
    const limit = Math.ceil(total * share);
    if (findingsOf(levels, limit).includes(expected)) return limit;
  }
  return total;
}

/**
 * Injects each mode's fault under several seeds, diagnoses each run, and
 * scores the diagnosis. Simulated cases run in one worker thread per core.
 */
export async function validateCommand(options: ValidateOptions, output: Output, onCase?: (result: CaseResult) => void): Promise<ValidateReport> {
  const jobs: ValidateJob[] = options.modes.flatMap((mode) =>
    Array.from({ length: options.seeds }, (_, seedIndex) => ({ index: 0, mode, seed: `validate-${mode}-${seedIndex + 1}`, strength: validateStrength(mode, options.margin) })),
  ).map((job, index) => ({ ...job, index }));
  const announce = (result: CaseResult) => {
    onCase?.(result);
    if (!options.json) output.err(`${result.pass ? 'pass' : 'FAIL'}  ${result.mode} ${result.seed}: found ${result.found.length === 0 ? 'nothing' : result.found.join(', ')}\n`);
  };
  const entry = validateWorkerEntry();
  const threads = options.mode === 'sim' && entry !== undefined ? Math.max(1, Math.min(availableParallelism(), jobs.length)) : 0;
  const cases = threads > 0 ? await runInWorkers(entry!, jobs, threads, options.mode, announce) : await runHere(jobs, options.mode, announce);

  const faultCases = cases.filter((result) => result.expected !== null);
  const report: ValidateReport = {
    cases,
    recall: faultCases.length === 0 ? 1 : faultCases.filter((result) => result.expected !== null && result.found.includes(result.expected)).length / faultCases.length,
    false_positives: cases.reduce((sum, result) => sum + result.found.filter((mode) => mode !== result.expected && !validateCase(result.mode).allowed.includes(mode)).length, 0),
  };
  output.out(options.json ? `${JSON.stringify({ cases: cases.map(({ mode, seed, expected, found, pass }) => ({ mode, seed, expected, found, pass })), recall: report.recall, false_positives: report.false_positives })}\n` : `${formatConfusion(report, options.modes, options.margin)}\n`);
  return report;
}

async function runHere(jobs: readonly ValidateJob[], mode: RunMode, report: (result: CaseResult) => void): Promise<CaseResult[]> {
  const base = loadScenario(defaultScenarioPath());
  const vad = await loadVad();
  const audio = await prepareSpeech(speechRequests({ ...base, maxTurns: 2 }), { vad });
  const results: CaseResult[] = [];
  for (const job of jobs) {
    const result = await runCase(validateCase(job.mode, job.strength), job.seed, mode, base, audio, vad);
    results.push(result);
    report(result);
  }
  return results;
}

/** Runs the jobs on `threads` worker threads, each taking the next job when it finishes one; results keep the jobs' order. */
function runInWorkers(entry: URL, jobs: readonly ValidateJob[], threads: number, mode: RunMode, report: (result: CaseResult) => void): Promise<CaseResult[]> {
  return new Promise((resolve, reject) => {
    const results: Array<CaseResult | undefined> = new Array(jobs.length);
    let next = 0;
    let done = 0;
    let failed = false;
    const workers: Worker[] = [];
    const fail = (err: VoiceLoadError) => {
      if (failed) return;
      failed = true;
      for (const worker of workers) void worker.terminate();
      reject(err);
    };
    for (let thread = 0; thread < threads; thread++) {
      const worker = new Worker(entry, { workerData: { mode } });
      workers.push(worker);
      const feed = () => worker.postMessage(next < jobs.length ? jobs[next++]! : null);
      worker.on('message', (message: { ready?: boolean; index?: number; result?: CaseResult; error?: { code: string; message: string } }) => {
        if (message.error !== undefined) return fail(new VoiceLoadError(message.error.code, message.error.message));
        if (message.result !== undefined && message.index !== undefined) {
          results[message.index] = message.result;
          report(message.result);
          if (++done === jobs.length) resolve(results as CaseResult[]);
        }
        feed();
      });
      worker.on('error', (err) => fail(new VoiceLoadError('VL_VALIDATE_WORKER_FAILED', `validate worker failed: ${err.message}`)));
    }
  });
}

/** The compiled worker beside this module, or the TypeScript source when this module runs from source under a loader. */
function validateWorkerEntry(moduleUrl: string = import.meta.url): URL | undefined {
  const compiled = new URL('./validate-worker.js', moduleUrl);
  if (existsSync(fileURLToPath(compiled))) return compiled;
  const source = new URL('./validate-worker.ts', moduleUrl);
  if (moduleUrl.endsWith('.ts') && existsSync(fileURLToPath(source))) return source;
  return undefined;
}

/** Confusion matrix: injected mode by row, each finding by column, counts over seeds. */
export function formatConfusion(report: ValidateReport, modes: readonly ValidateModeId[], margin = VALIDATE_MARGIN): string {
  const columns = [...new Set(report.cases.flatMap((result) => result.found))].sort();
  const header = ['injected \\ found', 'none', ...columns, 'pass', 'flagged after (calls)'];
  const rows = modes.map((mode) => {
    const results = report.cases.filter((result) => result.mode === mode);
    const flagged = results.map((result) => result.flagged_after_calls).filter((value): value is number => value !== null);
    return [
      mode,
      String(results.filter((result) => result.found.length === 0).length),
      ...columns.map((column) => String(results.filter((result) => result.found.includes(column as FindingMode)).length)),
      `${results.filter((result) => result.pass).length}/${results.length}`,
      flagged.length === 0 ? '-' : `${Math.min(...flagged)}-${Math.max(...flagged)} of ${results[0]?.total_calls ?? 0}`,
    ];
  });
  const widths = header.map((_, column) => Math.max(...[header, ...rows].map((row) => row[column]!.length)));
  const lines = [header, ...rows].map((row) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  '));
  lines.push('', `faults injected at ${margin}x each mode's minimum detectable effect:`);
  for (const mode of modes) {
    if (mode === 'healthy') continue;
    const strength = validateStrength(mode, margin);
    lines.push(`  ${mode}: strength ${roundTo(strength)}, ${faultSize(validateCase(mode, strength))}`);
  }
  lines.push('', `recall ${(report.recall * 100).toFixed(1)}%, false positives ${report.false_positives}, ${report.cases.filter((result) => result.pass).length}/${report.cases.length} cases passed`);
  return lines.join('\n');
}

function parseModes(text: string): ValidateModeId[] {
  const modes = text.split(',').map((part) => part.trim());
  for (const mode of modes) {
    if (!VALIDATE_MODE_IDS.includes(mode as ValidateModeId)) {
      throw new UsageError('VL_VALIDATE_MODE_INVALID', `unknown mode ${JSON.stringify(mode)} in --modes`, `use any of ${VALIDATE_MODE_IDS.join(', ')}`);
    }
  }
  return modes as ValidateModeId[];
}

function parseSeeds(text: string): number {
  const seeds = Number(text);
  if (!Number.isInteger(seeds) || seeds < 1 || seeds > 100) throw new UsageError('VL_VALIDATE_SEEDS_INVALID', `--seeds must be a whole number from 1 to 100, got ${JSON.stringify(text)}`, 'pass for example --seeds 5');
  return seeds;
}

export function addValidateCommand(program: Command, output: Output, setExitCode: (code: number) => void): void {
  program
    .command('validate')
    .description('Prove the diagnosis right: inject each failure mode into the mock agent or switch, run, diagnose, and print a confusion matrix with recall and false positives; exits 1 when any case fails.')
    .addOption(new Option('--modes <list>', `modes to inject, comma-separated (default all: ${VALIDATE_MODE_IDS.join(',')})`).argParser(flag(parseModes)))
    .addOption(new Option('--seeds <count>', `seeds per mode (default ${VALIDATE_DEFAULTS.seeds})`).argParser(flag(parseSeeds)))
    .addOption(
      new Option('--strength <multiple>', `each fault's strength as a multiple of its mode's minimum detectable effect (default ${VALIDATE_MARGIN}; the effects are listed in the README)`).argParser(
        flag((value) => {
          const strength = Number(value);
          if (!Number.isFinite(strength) || strength <= 0 || strength > 100) throw new UsageError('VL_VALIDATE_STRENGTH_INVALID', `--strength must be a number above 0, got ${JSON.stringify(value)}`, 'pass for example --strength 1.5');
          return strength;
        }),
      ),
    )
    .addOption(new Option('--mode <mode>', '"sim" (simulated time, the default) or "live" (real time on 127.0.0.1, far slower)').choices(['sim', 'live']).default('sim'))
    .option('--json', 'print only { cases, recall, false_positives } as JSON on stdout')
    .action(async (flags: Record<string, unknown>) => {
      const report = await validateCommand(
        {
          modes: (flags['modes'] as ValidateModeId[] | undefined) ?? [...VALIDATE_MODE_IDS],
          seeds: (flags['seeds'] as number | undefined) ?? VALIDATE_DEFAULTS.seeds,
          mode: flags['mode'] as RunMode,
          margin: (flags['strength'] as number | undefined) ?? VALIDATE_MARGIN,
          json: flags['json'] === true,
        },
        output,
      );
      setExitCode(report.cases.every((result) => result.pass) ? 0 : 1);
    });
}
