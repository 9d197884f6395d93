import type { AudioLibrary, VadFactory } from '../audio/index.js';
import type { Clock, Logger, VoiceLoadError } from '../core/index.js';
import { startMockAgentServer, type MockAgentServer, type MockConfigOverrides } from '../mock-agent/index.js';
import { startSwitchServer, type SwitchModelOptions, type SwitchServer } from '../telephony-sim/index.js';

/** The servers a run dials: started in this process, in a worker thread, or already running elsewhere. */
export interface RunServers {
  /** Caller-leg URL of the switch. */
  switchUrl: string;
  /** Agent URL the switch routes the scenario's number to, when this process started the switch. */
  agentUrl: string | undefined;
  /** Stops the servers this process started. It does nothing for a switch running elsewhere. */
  close(): Promise<void>;
  /** Calls `listener` once if servers in another thread fail after starting. Absent where failures surface as thrown errors. */
  onFailure?(listener: (err: VoiceLoadError) => void): void;
}

/** The switch, and the mock agent when the target is `mock`, listening on 127.0.0.1. */
export interface EmbeddedServers extends RunServers {
  agentUrl: string;
  mock: MockAgentServer | undefined;
  switchServer: SwitchServer;
}

export interface EmbeddedOptions {
  clock: Clock;
  audio: AudioLibrary;
  vad: VadFactory;
  seed: string;
  /** Dialled number that the switch routes to the agent. */
  number: string;
  /** `mock`, or the ws:// URL of a real agent. */
  target: string;
  mockConfig?: MockConfigOverrides;
  switchOptions?: SwitchModelOptions;
  logger: Logger;
}

/** Starts the servers of the default run in this process, on ephemeral ports. */
export async function startEmbeddedServers(options: EmbeddedOptions): Promise<EmbeddedServers> {
  const mock =
    options.target === 'mock'
      ? await startMockAgentServer({
          clock: options.clock,
          audio: options.audio,
          vad: options.vad,
          seed: options.seed,
          config: options.mockConfig ?? {},
          logger: options.logger.child({ component: 'mock-agent' }),
        })
      : undefined;
  const agentUrl = mock?.url ?? options.target;

  let switchServer: SwitchServer;
  try {
    switchServer = await startSwitchServer({
      ...options.switchOptions,
      clock: options.clock,
      routes: { [options.number]: agentUrl },
      seed: options.seed,
      logger: options.logger.child({ component: 'switch' }),
    });
  } catch (err) {
    await mock?.close();
    throw err;
  }

  return {
    switchUrl: switchServer.url,
    agentUrl,
    mock,
    switchServer,
    async close() {
      await switchServer.close();
      await mock?.close();
    },
  };
}
