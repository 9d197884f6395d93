import { basename, extname, join } from 'node:path';

import { findPackageRoot, loadPreparedAudio, loadVad } from '../audio/index.js';
import { summarize, formatSummaryTable, type Summary } from '../analysis/index.js';
import { createLogger, dialWebSocket, RealClock, type Clock } from '../core/index.js';
import { loadScenario, LoadRun, type CallRecord, type Scenario } from '../driver/index.js';
import type { MockConfigOverrides } from '../mock-agent/index.js';
import { startEmbeddedServers } from './embedded.js';
import { formatProgress, RunningMedian } from './progress.js';
import { defaultOutputDir, prepareOutputDir, RecordWriter, writeJson } from './results.js';

/** Scenario fields that command-line flags may override. */
export type ScenarioOverrides = Partial<Omit<Scenario, 'rows'>>;

export interface RunCommandOptions {
  /** Scenario file; the bundled `scenarios/support.yaml` when absent. */
  scenarioPath?: string;
  overrides: ScenarioOverrides;
  outDir?: string;
  mockConfig?: MockConfigOverrides;
  clock?: Clock;
}

/** Output streams of a command: the CLI passes the process streams, tests capture them. */
export interface Output {
  out(text: string): void;
  err(text: string): void;
  /** True when stderr is a terminal, so a live progress line can be redrawn. */
  interactive: boolean;
}

export interface RunOutcome {
  outDir: string;
  summary: Summary;
  records: CallRecord[];
}

/** Returns the path of the bundled demo scenario. */
export function defaultScenarioPath(): string {
  return join(findPackageRoot(), 'scenarios', 'support.yaml');
}

/**
 * Runs a scenario end to end on the embedded switch and mock agent (or a
 * real agent as the target), writing `calls.jsonl`, `summary.json` and
 * `run.json` to the output folder.
 */
export async function runCommand(options: RunCommandOptions, output: Output): Promise<RunOutcome> {
  const clock = options.clock ?? new RealClock();
  const scenarioPath = options.scenarioPath ?? defaultScenarioPath();
  const scenario: Scenario = { ...loadScenario(scenarioPath), ...options.overrides };
  const startedAt = clock.wallTime();
  const outDir = prepareOutputDir(options.outDir ?? defaultOutputDir(startedAt, basename(scenarioPath, extname(scenarioPath))));

  const audio = await loadPreparedAudio();
  const vad = await loadVad();
  const logger = createLogger('voice-load');
  const servers = await startEmbeddedServers({ clock, audio, vad, seed: scenario.seed, number: scenario.number, target: scenario.target, mockConfig: options.mockConfig, logger });

  const writer = new RecordWriter(join(outDir, 'calls.jsonl'));
  const run = new LoadRun({ scenario, clock, connect: () => dialWebSocket(servers.switchUrl), audio, vad, contentKnown: scenario.target === 'mock' });
  const stopProgress = reportProgress(run, output);
  run.on('call-end', (record: CallRecord) => writer.write(record));
  const interrupt = () => run.stop();
  process.once('SIGINT', interrupt);

  let records: CallRecord[];
  try {
    output.err(`running ${run.progress.total} calls from ${scenarioPath}, at most ${scenario.maxParallel} at once, results in ${outDir}\n`);
    records = await run.start();
  } finally {
    process.off('SIGINT', interrupt);
    stopProgress();
    await writer.close();
    await servers.close();
  }

  const summary = summarize(records, scenario.turnTimeoutMs);
  writeJson(outDir, 'summary.json', summary);
  writeJson(outDir, 'run.json', runInfo(scenarioPath, scenario, options, startedAt, clock));
  output.out(`${formatSummaryTable(summary)}\n\nresults: ${outDir}\n`);
  return { outDir, summary, records };
}

function reportProgress(run: LoadRun, output: Output): () => void {
  const median = new RunningMedian();
  let last = '';
  run.on('call-end', (record: CallRecord) => {
    if (record.avg_turn_taking_latency_ms !== null) median.add(record.avg_turn_taking_latency_ms);
    const line = formatProgress(run.progress, median.value);
    if (output.interactive) {
      output.err(`\r${line}\u001b[K`);
      last = line;
    } else if (run.progress.done === run.progress.total || run.progress.done % 10 === 0) {
      output.err(`${line}\n`);
    }
  });
  return () => {
    if (output.interactive && last !== '') output.err('\n');
  };
}

function runInfo(scenarioPath: string, scenario: Scenario, options: RunCommandOptions, startedAt: Date, clock: Clock) {
  return {
    tool: 'voice-load',
    version: packageVersion(),
    node: process.version,
    started_at: startedAt.toISOString(),
    finished_at: clock.wallTime().toISOString(),
    mode: 'live',
    scenario_path: scenarioPath,
    scenario: { ...scenario, maxParallel: Number.isFinite(scenario.maxParallel) ? scenario.maxParallel : 'unlimited' },
    overrides: options.overrides,
    mock: options.mockConfig ?? {},
  };
}

function packageVersion(): string {
  return process.env['npm_package_version'] ?? VERSION;
}

/** The package version, kept in step with package.json by a test. */
export const VERSION = '0.1.0';
