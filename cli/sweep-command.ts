import { basename, extname } from 'node:path';

import { Option, type Command } from 'commander';

import { loadVad, prepareSpeech, type AudioLibrary, type VadFactory } from '../audio/index.js';
import { diagnose, formatDiagnosis } from '../analysis/diagnosis/index.js';
import { readDiagnosisInput, SWEEP_INDEX_FILE } from '../analysis/run-data.js';
import { evaluateThresholds, parseThreshold, type Threshold } from '../analysis/thresholds.js';
import { createLogger, dialWebSocket, RealClock, VoiceLoadError } from '../core/index.js';
import { callerSpeechRequest, checkScenario, loadScenario, LoadRun, turnTexts, type Scenario } from '../driver/index.js';
import { GREETING, REPLIES, type MockConfigOverrides } from '../mock-agent/index.js';
import type { SwitchModelOptions } from '../telephony-sim/index.js';
import { flag } from './flags.js';
import { addMockFaultOptions, mockFaultOptionsFrom } from './mock-flags.js';
import { defaultScenarioPath, type Output, type RunMode } from './run-command.js';
import { defaultOutputDir, prepareOutputDir, writeJson } from './results.js';
import { addSwitchModelOptions, switchModelOptionsFrom } from './servers.js';
import { createSimulatedStack } from './simulation.js';
import { parseLevels, planSweep, runSweep, SWEEP_DEFAULTS, type SweepLevelResult, type SweepTarget } from './sweep.js';
import { serverWorkerEntry, startWorkerServers } from './worker-host.js';

export interface SweepCommandOptions {
  scenarioPath?: string;
  levels: number[];
  stepDown?: number[];
  callsPerLevel?: number;
  mode: RunMode;
  outDir?: string;
  thresholds: Threshold[];
  mockConfig?: MockConfigOverrides;
  switchOptions?: SwitchModelOptions;
  seed?: string;
  maxTurns?: number;
}

export interface SweepOutcome {
  outDir: string;
  levels: SweepLevelResult[];
  /** Highest concurrency that still met every threshold; null without thresholds or when none met them. */
  knee: number | null;
}

/**
 * Runs the scenario at each concurrency level against the same switch and
 * agent, keeps every level's run folder, writes `sweep.json` with the knee
 * and prints the diagnosis of the whole sweep.
 */
export async function sweepCommand(options: SweepCommandOptions, output: Output): Promise<SweepOutcome> {
  const scenarioPath = options.scenarioPath ?? defaultScenarioPath();
  const loaded = loadScenario(scenarioPath);
  const scenario = checkScenario({ ...loaded, ...(options.seed === undefined ? {} : { seed: options.seed }), ...(options.maxTurns === undefined ? {} : { maxTurns: options.maxTurns }) });
  const plan = planSweep(options.levels, options.stepDown, options.callsPerLevel);
  const thresholds = [...scenario.thresholds.map((text) => parseThreshold(text)), ...options.thresholds];
  const clock = new RealClock();
  const outDir = prepareOutputDir(options.outDir ?? defaultOutputDir(clock.wallTime(), `sweep-${basename(scenarioPath, extname(scenarioPath))}`));

  const vad = await loadVad();
  const audio = await prepareSpeech(speechRequests(scenario), { vad, baseDir: scenario.baseDir });
  const target = await openTarget(options.mode, scenario, audio, vad, options.mockConfig ?? {}, options.switchOptions ?? {});
  let levels: SweepLevelResult[];
  try {
    levels = await runSweep(scenario, plan, target, outDir, (level) => output.err(`level ${level.label}: ${level.calls} calls at concurrency ${level.concurrency}\n`));
  } finally {
    await target.close();
  }

  const knee = findKnee(levels, thresholds);
  writeJson(outDir, SWEEP_INDEX_FILE, {
    tool: 'voice-load',
    mode: options.mode,
    scenario_path: scenarioPath,
    thresholds: thresholds.map((threshold) => threshold.text),
    knee,
    levels: levels.map((level) => ({ label: level.label, concurrency: level.concurrency, phase: level.phase, calls: level.calls, conv_latency: level.summary.conv_latency, completed_rate: level.summary.completed_rate })),
  });
  output.out(`${formatSweepTable(levels, knee, thresholds.length > 0)}\n\n${formatDiagnosis(diagnose(readDiagnosisInput([outDir])))}\n\nresults: ${outDir}\n`);
  return { outDir, levels, knee };
}

/** Every clip the scenario's calls need: the caller's turns and the mock agent's phrases and answers. */
export function speechRequests(scenario: Scenario) {
  const caller = [...new Set(scenario.rows.flatMap((row) => turnTexts(row, scenario.maxTurns)))].map((utterance) => callerSpeechRequest(utterance));
  const agent = [...new Set([GREETING, ...REPLIES, ...scenario.rows.map((row) => row.result)])].map((text) => ({ role: 'agent' as const, text }));
  return [...caller, ...agent];
}

/** Opens the switch and mock agent that every run dials: simulated in memory, or real servers in a worker thread. */
export async function openTarget(
  mode: RunMode,
  scenario: Scenario,
  audio: AudioLibrary,
  vad: VadFactory,
  mockConfig: MockConfigOverrides,
  switchOptions: SwitchModelOptions,
): Promise<SweepTarget & { close(): Promise<void> }> {
  if (mode === 'sim') {
    const stack = createSimulatedStack({ scenario, audio, vad, mockConfig, switchOptions });
    return { run: (levelScenario, onRecord, callIdPrefix) => stack.run(levelScenario, onRecord, undefined, undefined, callIdPrefix), close: () => stack.close() };
  }
  const clock = new RealClock();
  const logger = createLogger('voice-load');
  const entry = serverWorkerEntry();
  if (entry === undefined) throw new VoiceLoadError('VL_NOT_BUILT', 'the server worker entry file is missing', 'run `npm install` (or `npm run build`) in the voice-load folder');
  const agentTexts = [...new Set([GREETING, ...REPLIES, ...scenario.rows.map((row) => row.result)])];
  const servers = await startWorkerServers(entry, { seed: scenario.seed, number: scenario.number, target: 'mock', mockConfig, switchOptions, agentTexts }, clock, logger);
  return {
    run: (levelScenario, onRecord, callIdPrefix) => {
      const run = new LoadRun({ scenario: levelScenario, clock, connect: () => dialWebSocket(servers.switchUrl), audio, vad, contentKnown: true, callIdPrefix });
      run.on('call-end', onRecord);
      return run.start();
    },
    close: () => servers.close(),
  };
}

/** Highest level of the climb whose run met every threshold. */
export function findKnee(levels: readonly SweepLevelResult[], thresholds: readonly Threshold[]): number | null {
  if (thresholds.length === 0) return null;
  let knee: number | null = null;
  for (const level of levels) {
    if (level.phase === 'down') continue;
    if (evaluateThresholds(level.summary, thresholds).passed) knee = Math.max(knee ?? 0, level.concurrency);
  }
  return knee;
}

function formatSweepTable(levels: readonly SweepLevelResult[], knee: number | null, hasThresholds: boolean): string {
  const lines = ['level                 calls  conv p50  conv p90  conv p99  completed'];
  for (const level of levels) {
    const stats = level.summary.conv_latency;
    const cell = (value: number | null) => (value === null ? '-' : String(Math.round(value))).padStart(8);
    lines.push(`${level.label.padEnd(20)}  ${String(level.calls).padStart(5)}  ${cell(stats.p50)}  ${cell(stats.p90)}  ${cell(stats.p99)}  ${(level.summary.completed_rate * 100).toFixed(1).padStart(8)}%`);
  }
  if (hasThresholds) lines.push('', knee === null ? 'knee: no level met the thresholds' : `knee: concurrency ${knee} is the highest level that met the thresholds`);
  else lines.push('', 'knee: pass --threshold to find the highest level that meets your targets');
  return lines.join('\n');
}

export function addSweepCommand(program: Command, output: Output, setExitCode: (code: number) => void): void {
  const command = program
    .command('sweep')
    .description('Run the scenario at rising concurrency levels (the first is the baseline), then step down, against the same switch and agent; keeps each level\'s run and names the failure mode.')
    .argument('[scenario]', 'scenario YAML file (default scenarios/support.yaml)')
    .addOption(new Option('--levels <list>', `concurrency levels, comma-separated, baseline first (default ${SWEEP_DEFAULTS.levels.join(',')})`).argParser(flag((value) => parseLevels(value, '--levels'))))
    .addOption(new Option('--step-down <list>', 'levels run after the climb to check recovery (default: the second level)').argParser(flag((value) => parseLevels(value, '--step-down'))))
    .addOption(new Option('--calls-per-level <count>', `calls at each level (default ${SWEEP_DEFAULTS.callsPerConcurrency} per unit of concurrency, at least ${SWEEP_DEFAULTS.minCallsPerLevel})`).argParser(flag((value) => parseLevels(value, '--calls-per-level')[0]!)))
    .addOption(new Option('--max-turns <count>', 'caller turns per call').argParser(flag((value) => parseLevels(value, '--max-turns')[0]!)))
    .addOption(new Option('--mode <mode>', '"live" (real time, the default) or "sim" (simulated time, seconds per level)').choices(['live', 'sim']).default('live'))
    .addOption(new Option('--threshold <condition>', 'target each level must meet, such as conv_latency_p90<1500 (repeatable); the knee is the highest level that meets all').argParser((value: string, previous?: Threshold[]) => [...(previous ?? []), flag(parseThreshold)(value)]))
    .addOption(new Option('--seed <seed>', 'seed for every random draw'))
    .addOption(new Option('-o, --out <dir>', 'folder for sweep.json and one run folder per level (default results/<time>-sweep-<scenario>)'));
  addSwitchModelOptions(command);
  addMockFaultOptions(command);
  command.action(async (scenarioPath: string | undefined, flags: Record<string, unknown>) => {
    await sweepCommand(
      {
        ...(scenarioPath === undefined ? {} : { scenarioPath }),
        levels: (flags['levels'] as number[] | undefined) ?? [...SWEEP_DEFAULTS.levels],
        ...(flags['stepDown'] === undefined ? {} : { stepDown: flags['stepDown'] as number[] }),
        ...(flags['callsPerLevel'] === undefined ? {} : { callsPerLevel: flags['callsPerLevel'] as number }),
        ...(flags['maxTurns'] === undefined ? {} : { maxTurns: flags['maxTurns'] as number }),
        mode: flags['mode'] as RunMode,
        ...(flags['out'] === undefined ? {} : { outDir: flags['out'] as string }),
        ...(flags['seed'] === undefined ? {} : { seed: String(flags['seed']) }),
        thresholds: (flags['threshold'] as Threshold[] | undefined) ?? [],
        switchOptions: switchModelOptionsFrom(flags),
        mockConfig: mockFaultOptionsFrom(flags),
      },
      output,
    );
    setExitCode(0);
  });
}
