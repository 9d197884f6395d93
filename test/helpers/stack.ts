import { loadPreparedAudio, loadVad, type AudioLibrary, type VadFactory } from '../../audio/index.js';
import { dialWebSocket, RealClock, silentLogger, type Clock, type Link } from '../../core/index.js';
import { LoadRun, loadScenario, type CallRecord, type Scenario } from '../../driver/index.js';
import { startMockAgentServer, type MockConfigOverrides, type TurnRecord as MockTurn } from '../../mock-agent/index.js';
import { startSwitchServer, type SwitchModelOptions } from '../../telephony-sim/index.js';

export interface StackResult {
  records: CallRecord[];
  mockTurns: MockTurn[];
  audio: AudioLibrary;
  scenario: Scenario;
}

let shared: Promise<{ audio: AudioLibrary; vad: VadFactory }> | undefined;

/** Prepared audio and the VAD, loaded once per test process. */
export function sharedAudio(): Promise<{ audio: AudioLibrary; vad: VadFactory }> {
  shared ??= Promise.all([loadPreparedAudio(), loadVad()]).then(([audio, vad]) => ({ audio, vad }));
  return shared;
}

/**
 * Runs the bundled scenario, with `overrides`, through a real mock agent and
 * a real switch on 127.0.0.1 ephemeral ports, and closes both afterwards.
 */
export async function runStack(
  overrides: Partial<Omit<Scenario, 'rows'>>,
  mockConfig: MockConfigOverrides = {},
  clock: Clock = new RealClock(),
  extra: { switchOptions?: SwitchModelOptions; wrapCallerLink?: (link: Link) => Link } = {},
): Promise<StackResult> {
  const { audio, vad } = await sharedAudio();
  const scenario: Scenario = { ...loadScenario(new URL('../../scenarios/support.yaml', import.meta.url).pathname), ...overrides };
  const mockTurns: MockTurn[] = [];
  const logger = silentLogger();
  const mock = await startMockAgentServer({ clock, audio, vad, seed: scenario.seed, config: mockConfig, logger, onTurn: (turn) => mockTurns.push(turn) });
  const switchServer = await startSwitchServer({ ...extra.switchOptions, clock, routes: { [scenario.number]: mock.url }, logger, seed: scenario.seed });
  try {
    const connect = async () => {
      const link = await dialWebSocket(switchServer.url);
      return extra.wrapCallerLink === undefined ? link : extra.wrapCallerLink(link);
    };
    const run = new LoadRun({ scenario, clock, connect, audio, vad, contentKnown: true });
    const { records } = await run.start();
    return { records, mockTurns, audio, scenario };
  } finally {
    await switchServer.close();
    await mock.close();
  }
}
