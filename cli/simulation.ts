import type { AudioLibrary, VadFactory } from '../audio/index.js';
import { MemoryNetwork, silentLogger, VirtualClock, type Logger } from '../core/index.js';
import { LoadRun, type CallRecord, type RunResult, type Scenario } from '../driver/index.js';
import { createMockAgent, type MockConfigOverrides } from '../mock-agent/index.js';
import { createSwitch, type SwitchModelOptions } from '../telephony-sim/index.js';

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
}

/**
 * Runs the scenario with the driver, the switch and the mock agent in this
 * process on a virtual clock, wired by in-memory links. The frames, JSON,
 * base64, mu-law and VAD are the same as on the wire; only time is simulated.
 * The same seed and options give the same records.
 */
export async function runSimulation(options: SimulationOptions): Promise<RunResult> {
  const { scenario, audio, vad } = options;
  const logger = options.logger ?? silentLogger();
  const clock = new VirtualClock({ seed: `${scenario.seed}:clock` });
  const network = new MemoryNetwork(clock);

  const mock = createMockAgent({ clock, audio, vad, seed: scenario.seed, config: options.mockConfig ?? {}, logger });
  network.listen(MOCK_URL, (link) => mock.handleLink(link));
  const switchCore = createSwitch({ ...options.switchOptions, clock, dial: network.dial, routes: { [scenario.number]: MOCK_URL }, logger, seed: scenario.seed });
  network.listen(SWITCH_URL, (link) => switchCore.handleCallerLink(link));

  const run = new LoadRun({ scenario, clock, connect: () => network.dial(SWITCH_URL), audio, vad, contentKnown: true, ...(options.maxCallMs === undefined ? {} : { maxCallMs: options.maxCallMs }) });
  if (options.onRecord !== undefined) run.on('call-end', options.onRecord);

  let outcome: { result: RunResult } | { error: unknown } | undefined;
  const finished = run.start().then(
    (result) => (outcome = { result }),
    (error: unknown) => (outcome = { error }),
  );
  try {
    await clock.run({ until: () => outcome !== undefined, pending: () => run.describeActive() });
    await finished;
  } finally {
    mock.close();
    const closed = switchCore.close();
    await clock.run();
    await closed;
  }

  if (outcome === undefined || 'error' in outcome) throw outcome === undefined ? new Error('simulation ended before the run') : outcome.error;
  return outcome.result;
}
