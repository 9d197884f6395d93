import { basename, dirname, extname, join } from 'node:path';

import { findPackageRoot, loadVad, prepareSpeech, type AudioLibrary, type SpeechRequest, type VadFactory } from '../audio/index.js';
import { judgeGenerator, SummaryBuilder, VIRTUAL_GENERATOR, type Summary } from '../analysis/index.js';
import { diagnose, formatDiagnosis } from '../analysis/diagnosis/index.js';
import { writeReport } from '../analysis/report/index.js';
import { RunDataBuilder } from '../analysis/run-data.js';
import { parseThreshold, type Threshold } from '../analysis/thresholds.js';
import { createLogger, dialWebSocket, RealClock, UsageError, type Clock, type Logger, type VoiceLoadError } from '../core/index.js';
import { callerSpeechRequest, checkScenario, loadScenario, LoadRun, RecordingStore, turnTexts, type CallRecord, type RunResult, type Scenario } from '../driver/index.js';
import { GREETING, REPLIES, type MockConfigOverrides } from '../mock-agent/index.js';
import type { SwitchModelOptions } from '../telephony-sim/index.js';
import { runWithSwitchSamples, startEmbeddedServers, type LiveRunResult, type RunServers } from './embedded.js';
import { formatProgress, RunningMedian } from './progress.js';
import { printRunSummary, reportThresholds } from './report-command.js';
import { defaultOutputDir, prepareOutputDir, RecordWriter, writeJson, writeJsonLines } from './results.js';
import { runSimulation, type SimulatedRunResult } from './simulation.js';
import { serverWorkerEntry, startWorkerServers } from './worker-host.js';

/** Scenario fields that command-line flags may override. */
export type ScenarioOverrides = Partial<Omit<Scenario, 'rows'>>;

export interface RunCommandOptions {
  /** Scenario file; the bundled `scenarios/support.yaml` when absent. */
  scenarioPath?: string;
  overrides: ScenarioOverrides;
  outDir?: string;
  /** Caller-leg URL of a switch already running. When set, no servers start and the scenario's target must be `mock`. */
  switchUrl?: string;
  mockConfig?: MockConfigOverrides;
  switchOptions?: SwitchModelOptions;
  /** `live` (real time over WebSockets, the default) or `sim` (virtual clock, in memory). */
  mode?: RunMode;
  /** Pass conditions checked after the run; a failed one makes the exit status 3. */
  thresholds?: Threshold[];
  /** Print summary.json on stdout instead of the table. */
  json?: boolean;
  /** Write each call's audio as a stereo WAV under `recordings/`. */
  record?: boolean;
  clock?: Clock;
}

export type RunMode = 'live' | 'sim';

/** Placement of the run's servers: a worker thread (the default), this thread, or a switch already running. */
export type ServerPlacement = 'worker' | 'in-process' | 'external' | 'sim';

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
  /** 0 when every threshold passed, EXIT_THRESHOLD_FAILED otherwise. */
  thresholdStatus: number;
}

/** Returns the path of the bundled demo scenario. */
export function defaultScenarioPath(): string {
  return join(findPackageRoot(), 'scenarios', 'support.yaml');
}

/**
 * Runs a scenario end to end, writing `calls.jsonl`, `summary.json` and
 * `run.json` to the output folder. The calls go through the switch at
 * `switchUrl` when given, else through a switch and mock agent (or a real
 * agent as the target) started in a worker thread.
 */
export async function runCommand(options: RunCommandOptions, output: Output): Promise<RunOutcome> {
  const clock = options.clock ?? new RealClock();
  const scenarioPath = options.scenarioPath ?? defaultScenarioPath();
  const scenario: Scenario = checkScenario({ ...loadScenario(scenarioPath), ...options.overrides }, 'options');
  const mode = options.mode ?? 'live';
  checkServerOptions(options, scenario, scenarioPath);
  checkMode(mode, options, scenario);
  // Parsed before any call, so a typo stops the run at once.
  const thresholds = [...scenario.thresholds.map((text) => parseThreshold(text)), ...(options.thresholds ?? [])];
  const startedAt = clock.wallTime();
  const outDir = prepareOutputDir(options.outDir ?? defaultOutputDir(startedAt, basename(scenarioPath, extname(scenarioPath))));

  const vad = await loadVad();
  const audio = await prepareScenarioSpeech(scenario, scenarioPath, vad);
  const writer = new RecordWriter(join(outDir, 'calls.jsonl'));
  const recordings = options.record === true ? new RecordingStore(outDir) : undefined;
  // Each record goes to calls.jsonl, the summary and the diagnosis as its call
  // ends. The run itself keeps no record, so memory stays flat on long runs.
  const summaryBuilder = new SummaryBuilder(scenario.turnTimeoutMs);
  const diagnosisData = new RunDataBuilder();
  const onRun = (run: LoadRun) => {
    run.on('call-end', (record: CallRecord) => {
      writer.write(record);
      summaryBuilder.add(record);
      diagnosisData.add(record);
    });
    return reportProgress(run, output, clock);
  };

  let result: RunResult;
  let servers: { placement: ServerPlacement; switchUrl: string };
  try {
    if (mode === 'sim') {
      output.err(`simulating ${scenario.rows.length * scenario.repeats} calls from ${scenarioPath}, at most ${scenario.maxParallel} at once, results in ${outDir}\n`);
      const simulated = await simulate(scenario, audio, vad, options, onRun);
      writeJsonLines(join(outDir, 'switch-metrics.jsonl'), simulated.switchSamples);
      result = simulated;
      servers = { placement: 'sim', switchUrl: 'mem://switch/call' };
    } else {
      const live = await runLive(scenario, scenarioPath, audio, vad, clock, options, outDir, output, onRun, recordings);
      writeJsonLines(join(outDir, 'switch-metrics.jsonl'), live.result.switchSamples);
      ({ result, servers } = live);
    }
  } finally {
    await writer.close();
    await recordings?.flush();
  }

  const summary = summaryBuilder.summary(result.generator === null ? VIRTUAL_GENERATOR : judgeGenerator(result.generator));
  writeJson(outDir, 'summary.json', summary);
  writeJson(outDir, 'run.json', runInfo(scenarioPath, scenario, options, startedAt, clock, servers, mode));
  printRunSummary(summary, outDir, output, options.json === true);
  reportDiagnosis(diagnosisData, scenario, summary, outDir, output, options.json === true);
  // Written last, so that the report shows the findings.
  writeReport(outDir);
  const thresholdStatus = reportThresholds(summary, thresholds, output);
  return { outDir, summary, thresholdStatus };
}

/**
 * Diagnoses the run as a single load level, prints the findings (on stderr
 * with --json) and writes `findings.json`. An invalid live run is not
 * diagnosed, since its figures say more about the load generator.
 */
function reportDiagnosis(data: RunDataBuilder, scenario: Scenario, summary: Summary, outDir: string, output: Output, json: boolean): void {
  const print = (text: string) => (json ? output.err(text) : output.out(text));
  if (typeof summary.generator === 'object' && summary.generator !== null && !summary.generator.valid) {
    print('\ndiagnosis skipped: the load generator could not keep its schedule, so the run is invalid\n');
    return;
  }
  const level = Number.isFinite(scenario.maxParallel) ? scenario.maxParallel : data.busiestLevel;
  const diagnosis = diagnose({ runs: [data.build({ label: outDir, concurrency: level, phase: 'single', turnTimeoutMs: scenario.turnTimeoutMs })] });
  writeJson(outDir, 'findings.json', diagnosis);
  print(`\n${formatDiagnosis(diagnosis)}\n`);
}

/** Places the calls in real time through the switch at `switchUrl`, or through servers started for the run. */
async function runLive(
  scenario: Scenario,
  scenarioPath: string,
  audio: AudioLibrary,
  vad: VadFactory,
  clock: Clock,
  options: RunCommandOptions,
  outDir: string,
  output: Output,
  onRun: (run: LoadRun) => () => void,
  recordings: RecordingStore | undefined,
): Promise<{ result: LiveRunResult; servers: { placement: ServerPlacement; switchUrl: string } }> {
  const logger = createLogger('voice-load');
  const { servers, placement } = await startRunServers(options, scenario, { clock, audio, vad, logger });
  const run = new LoadRun({
    scenario,
    clock,
    connect: () => dialWebSocket(servers.switchUrl),
    audio,
    vad,
    contentKnown: scenario.target === 'mock',
    keepRecords: false,
    ...(recordings === undefined ? {} : { recordings }),
  });
  const stopProgress = onRun(run);
  const interrupt = () => run.stop();
  process.once('SIGINT', interrupt);
  let serverFailure: VoiceLoadError | undefined;
  servers.onFailure?.((err) => {
    serverFailure = err;
    run.stop();
  });

  let result: LiveRunResult;
  try {
    output.err(`running ${run.progress.total} calls from ${scenarioPath}, at most ${scenario.maxParallel} at once, through ${placement === 'external' ? servers.switchUrl : `the built-in switch (${placement})`}, results in ${outDir}\n`);
    result = await runWithSwitchSamples(servers, clock, logger, () => run.start());
  } finally {
    process.off('SIGINT', interrupt);
    stopProgress();
    await servers.close();
  }
  if (serverFailure !== undefined) throw serverFailure;
  return { result, servers: { placement, switchUrl: servers.switchUrl } };
}

/** Runs the scenario on a virtual clock with the switch and mock agent in memory. */
async function simulate(scenario: Scenario, audio: AudioLibrary, vad: VadFactory, options: RunCommandOptions, onRun: (run: LoadRun) => () => void): Promise<SimulatedRunResult> {
  let stopProgress: (() => void) | undefined;
  try {
    return await runSimulation({
      scenario,
      audio,
      vad,
      mockConfig: options.mockConfig ?? {},
      switchOptions: options.switchOptions ?? {},
      onRun: (run) => (stopProgress = onRun(run)),
      keepRecords: false,
    });
  } finally {
    stopProgress?.();
  }
}

/** Rejects what a simulated run cannot do: it has only the built-in mock agent and switch. */
function checkMode(mode: RunMode, options: RunCommandOptions, scenario: Scenario): void {
  if (mode !== 'sim') return;
  if (options.switchUrl !== undefined) {
    throw new UsageError('VL_OPTION_CONFLICT', `--mode sim and --switch ${options.switchUrl} were both given, but a simulated run uses its own in-memory switch`, 'drop --switch, or use --mode live');
  }
  if (scenario.target !== 'mock') {
    throw new UsageError('VL_OPTION_CONFLICT', `--mode sim needs the built-in mock agent, but the target is ${scenario.target}`, 'drop --target (or target in the scenario), or use --mode live for a real agent');
  }
}

/**
 * Prepares every clip the run needs before the first call: the caller's
 * turns and, for the built-in mock agent, its answers. Texts without
 * bundled audio are synthesized with espeak-ng (cached).
 */
async function prepareScenarioSpeech(scenario: Scenario, scenarioPath: string, vad: VadFactory): Promise<AudioLibrary> {
  const callerTexts = new Set(scenario.rows.flatMap((row) => turnTexts(row, scenario.maxTurns)));
  const requests: SpeechRequest[] = [...callerTexts].map((utterance) => callerSpeechRequest(utterance));
  if (scenario.target === 'mock') requests.push(...agentTexts(scenario).map((text) => ({ role: 'agent' as const, text })));
  return prepareSpeech(requests, { vad, baseDir: scenario.baseDir });
}

/** Texts the mock agent may speak in this scenario: its greeting, its replies and every row's result. */
function agentTexts(scenario: Scenario): string[] {
  return [...new Set([GREETING, ...REPLIES, ...scenario.rows.map((row) => row.result)])];
}

/** Rejects `switchUrl` together with an agent target, because the running switch already routes the number. */
function checkServerOptions(options: RunCommandOptions, scenario: Scenario, scenarioPath: string): void {
  if (options.switchUrl === undefined) return;
  if (options.overrides.target !== undefined) {
    throw new UsageError('VL_OPTION_CONFLICT', `--switch ${options.switchUrl} and --target ${options.overrides.target} were both given, but the running switch decides which agent a number reaches`, 'drop --target and route the number with `voice-load switch --route NUMBER=URL`, or drop --switch to use the built-in switch');
  }
  if (scenario.target !== 'mock') {
    throw new UsageError('VL_OPTION_CONFLICT', `--switch ${options.switchUrl} was given, but scenario ${scenarioPath} sets target ${scenario.target}, which the running switch would ignore`, 'remove target from the scenario, or drop --switch to use the built-in switch');
  }
}

interface ServerDependencies {
  clock: Clock;
  audio: AudioLibrary;
  vad: VadFactory;
  logger: Logger;
}

/**
 * Starts the servers the run dials, or returns the switch at `switchUrl`
 * when given. The switch and mock agent run in a worker thread on its own
 * real clock. They run in this thread instead when the caller passed a
 * clock, so that they share it, or when no worker entry file exists, as when
 * the TypeScript sources run without a loader.
 */
async function startRunServers(options: RunCommandOptions, scenario: Scenario, deps: ServerDependencies): Promise<{ servers: RunServers; placement: ServerPlacement }> {
  if (options.switchUrl !== undefined) {
    return { servers: { switchUrl: options.switchUrl, agentUrl: undefined, close: async () => undefined }, placement: 'external' };
  }

  const settings = { seed: scenario.seed, number: scenario.number, target: scenario.target, mockConfig: options.mockConfig ?? {}, switchOptions: options.switchOptions ?? {}, agentTexts: scenario.target === 'mock' ? agentTexts(scenario) : [] };
  const entry = options.clock === undefined ? serverWorkerEntry() : undefined;
  if (entry !== undefined) {
    return { servers: await startWorkerServers(entry, settings, deps.clock, deps.logger), placement: 'worker' };
  }

  if (options.clock === undefined) deps.logger.warn('no server worker entry file found, so the switch and mock agent share this thread with the driver');
  return { servers: await startEmbeddedServers({ ...settings, ...deps }), placement: 'in-process' };
}

function reportProgress(run: LoadRun, output: Output, clock: Clock): () => void {
  const median = new RunningMedian();
  const startedAt = clock.now();
  let last = '';
  run.on('call-end', (record: CallRecord) => {
    if (record.avg_turn_taking_latency_ms !== null) median.add(record.avg_turn_taking_latency_ms);
    const line = formatProgress(run.progress, median.value, clock.now() - startedAt);
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

function runInfo(scenarioPath: string, scenario: Scenario, options: RunCommandOptions, startedAt: Date, clock: Clock, servers: { placement: ServerPlacement; switchUrl: string }, mode: RunMode) {
  return {
    tool: 'voice-load',
    version: packageVersion(),
    node: process.version,
    started_at: startedAt.toISOString(),
    finished_at: clock.wallTime().toISOString(),
    mode,
    scenario_path: scenarioPath,
    scenario: { ...scenario, maxParallel: Number.isFinite(scenario.maxParallel) ? scenario.maxParallel : 'unlimited' },
    overrides: options.overrides,
    servers: { placement: servers.placement, switch_url: servers.switchUrl },
    mock: options.mockConfig ?? {},
    switch: options.switchOptions ?? {},
  };
}

function packageVersion(): string {
  return process.env['npm_package_version'] ?? VERSION;
}

/** The package version, kept in step with package.json by a test. */
export const VERSION = '0.1.0';
