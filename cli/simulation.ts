import type { AudioLibrary, VadFactory } from '../audio/index.js';
import { MemoryNetwork, PeriodicSchedule, silentLogger, VirtualClock, type Link, type Logger } from '../core/index.js';
import { LoadRun, type CallRecord, type RunResult, type Scenario } from '../driver/index.js';
import { createMockAgent, type MockAgent, type MockConfigOverrides, type TurnRecord as MockTurnRecord } from '../mock-agent/index.js';
import { createSwitch, type Switch, type SwitchMetricsSample, type SwitchModelOptions } from '../telephony-sim/index.js';

/** Interval between samples of the switch's metrics, in simulated ms. */
export const SWITCH_SAMPLE_INTERVAL_MS = 1000;

/** In-memory addresses of the simulated servers; nothing listens on a socket. */
const MOCK_URL = 'mem://mock-agent/media';
const SWITCH_URL = 'mem://switch/call';

export interface SimulationOptions {
  scenario: Scenario;
  audio: AudioLibrary;
  vad: VadFactory;
  mockConfig?: MockConfigOverrides;
  switchOptions?: SwitchModelOptions;
  /** Called as each call ends, in simulated-time order; never awaited. */
  onRecord?: (record: CallRecord) => void;
  logger?: Logger;
  /** A call still going after this much simulated time is hung up. */
  maxCallMs?: number;
  /** Called with the run before it starts, to attach listeners such as progress. */
  onRun?: (run: LoadRun) => void;
  /** Called as the mock agent answers each turn, with its own view of the turn. */
  onMockTurn?: (turn: MockTurnRecord) => void;
  /** Wraps each caller leg as the driver opens it, to observe its messages. */
  wrapCallerLink?: (link: Link) => Link;
  /** False to keep no call record in memory after `onRecord`; the result's `records` is then empty. */
  keepRecords?: boolean;
}

/**
 * The switch and the mock agent on one virtual clock, wired by in-memory
 * links. Runs placed on it one after another share the agent's and the
 * switch's state, as a sweep needs: a leak grows across the levels.
 */
/** A simulated run's records, plus the switch's metrics sampled every SWITCH_SAMPLE_INTERVAL_MS while it ran. */
export interface SimulatedRunResult extends RunResult {
  switchSamples: Array<SwitchMetricsSample & { run_ms: number }>;
}

export interface SimulatedStack {
  readonly clock: VirtualClock;
  readonly mock: MockAgent;
  readonly switchCore: Switch;
  run(scenario: Scenario, onRecord?: (record: CallRecord) => void, maxCallMs?: number, onRun?: (run: LoadRun) => void, callIdPrefix?: string): Promise<SimulatedRunResult>;
  close(): Promise<void>;
}

/** Builds the simulated switch and mock agent for `scenario.number`, seeded by `scenario.seed`. */
export function createSimulatedStack(options: Omit<SimulationOptions, 'onRecord' | 'maxCallMs' | 'onRun'>): SimulatedStack {
  const { scenario, audio, vad } = options;
  const logger = options.logger ?? silentLogger();
  const clock = new VirtualClock({ seed: `${scenario.seed}:clock` });
  const network = new MemoryNetwork(clock);

  const mock = createMockAgent({ clock, audio, vad, seed: scenario.seed, config: options.mockConfig ?? {}, logger, ...(options.onMockTurn === undefined ? {} : { onTurn: options.onMockTurn }) });
  network.listen(MOCK_URL, (link) => mock.handleLink(link));
  const switchCore = createSwitch({ ...options.switchOptions, clock, dial: network.dial, routes: { [scenario.number]: MOCK_URL }, logger, seed: scenario.seed });
  network.listen(SWITCH_URL, (link) => switchCore.handleCallerLink(link));

  return {
    clock,
    mock,
    switchCore,
    run: (runScenario, onRecord, maxCallMs, onRun, callIdPrefix) =>
      runOnStack(clock, connector(network, options.wrapCallerLink), switchCore, runScenario, audio, vad, onRecord, maxCallMs, onRun, callIdPrefix, options.keepRecords ?? true),
    async close() {
      mock.close();
      const closed = switchCore.close();
      await clock.run();
      await closed;
    },
  };
}

function connector(network: MemoryNetwork, wrap: ((link: Link) => Link) | undefined): () => Promise<Link> {
  return async () => {
    const link = await network.dial(SWITCH_URL);
    return wrap === undefined ? link : wrap(link);
  };
}

async function runOnStack(
  clock: VirtualClock,
  connect: () => Promise<Link>,
  switchCore: Switch,
  scenario: Scenario,
  audio: AudioLibrary,
  vad: VadFactory,
  onRecord: ((record: CallRecord) => void) | undefined,
  maxCallMs: number | undefined,
  onRun: ((run: LoadRun) => void) | undefined,
  callIdPrefix: string | undefined,
  keepRecords: boolean,
): Promise<SimulatedRunResult> {
  const run = new LoadRun({
    scenario,
    clock,
    connect,
    audio,
    vad,
    contentKnown: true,
    keepRecords,
    ...(maxCallMs === undefined ? {} : { maxCallMs }),
    ...(callIdPrefix === undefined ? {} : { callIdPrefix }),
  });
  if (onRecord !== undefined) run.on('call-end', onRecord);
  onRun?.(run);

  const startedAt = clock.now();
  const switchSamples: SimulatedRunResult['switchSamples'] = [];
  const sampler = new PeriodicSchedule(clock, startedAt, SWITCH_SAMPLE_INTERVAL_MS, (scheduledMs) => switchSamples.push({ run_ms: scheduledMs - startedAt, ...switchCore.sampleMetrics() }));
  let outcome: { result: RunResult } | { error: unknown } | undefined;
  const finished = run.start().then(
    (result) => (outcome = { result }),
    (error: unknown) => (outcome = { error }),
  );
  try {
    await clock.run({ until: () => outcome !== undefined, pending: () => run.describeActive() });
  } finally {
    // The sampler would keep the clock busy for ever, so it stops with the run.
    sampler.stop();
  }
  await finished;
  if (outcome === undefined || 'error' in outcome) throw outcome === undefined ? new Error('the simulated run ended without a result') : outcome.error;
  return { ...outcome.result, switchSamples };
}

/**
 * Runs the scenario with the driver, the switch and the mock agent in this
 * process on a virtual clock. The frames, JSON, base64, mu-law and VAD are
 * the same as on the wire; only time is simulated. The same seed and
 * options give the same records.
 */
export async function runSimulation(options: SimulationOptions): Promise<SimulatedRunResult> {
  const stack = createSimulatedStack(options);
  try {
    return await stack.run(options.scenario, options.onRecord, options.maxCallMs, options.onRun);
  } finally {
    await stack.close();
  }
}
