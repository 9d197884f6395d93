import type { AudioLibrary, VadFactory } from '../audio/index.js';
import type { Clock, Link, Logger } from '../core/index.js';

import { resolveMockConfig, type MockConfig, type MockConfigOverrides } from './config.js';
import { missingMockAudio } from './errors.js';
import { FaultState, type FaultMetrics } from './faults.js';
import { GREETING, REPLIES } from './phrases.js';
import type { CallEndRecord, TurnRecord } from './records.js';
import { MockSession } from './session.js';
import { createThinkPipeline } from './stages.js';

export interface MockAgentOptions {
  clock: Clock;
  /** Prepared clips. They must contain GREETING and every reply, checked at creation. */
  audio: AudioLibrary;
  vad: VadFactory;
  config?: MockConfigOverrides;
  /** Run seed. Each call's random stream is keyed by it and the call's callSid. */
  seed: string | number;
  logger: Logger;
  onTurn?: (record: TurnRecord) => void;
  onCallEnd?: (record: CallEndRecord) => void;
}

export interface MockAgent {
  /** Serves one Twilio Media Streams stream over `link` until it stops or closes. */
  handleLink(link: Link): void;
  /** Streams handled and not yet ended. */
  readonly activeCalls: number;
  /** The config in force now. */
  readonly config: Readonly<MockConfig>;
  /**
   * Applies `overrides` to the current config, as `resolveMockConfig` does
   * with the current config as its base, for every request that starts from
   * now on, and returns the new config. Throws VL_MOCK_OPTION_INVALID and
   * keeps the current config when an override is invalid.
   */
  updateConfig(overrides: MockConfigOverrides): Readonly<MockConfig>;
  /** Counters and gauges of the faults: requests per stage, queue waits, timeouts, retries, rate-limit rejections, sockets, stalls. */
  readonly faultMetrics: FaultMetrics;
  /** Ends every stream and closes its link. Links handled afterwards are closed at once. */
  close(): void;
}

/**
 * Creates the mock agent. Throws VL_MOCK_OPTION_INVALID for a bad config
 * override and VL_MOCK_AUDIO_MISSING when a fixed phrase has no prepared clip.
 */
export function createMockAgent(options: MockAgentOptions): MockAgent {
  const config = resolveMockConfig(options.config);
  requirePhraseAudio(options.audio);

  const sessions = new Set<MockSession>();
  const faults = new FaultState(options.clock, String(options.seed), config, options.logger);
  const pipeline = createThinkPipeline(faults, options.clock);
  let closed = false;

  const handleLink = (link: Link): void => {
    if (closed) {
      link.close(1001, 'mock agent shutting down');
      return;
    }

    const session: MockSession = new MockSession(link, {
      clock: options.clock,
      audio: options.audio,
      vad: options.vad,
      faults,
      pipeline,
      seed: String(options.seed),
      logger: options.logger,
      onTurn: (record) => options.onTurn?.(record),
      onEnded: (record) => {
        sessions.delete(session);
        notifyCallEnd(options, record);
      },
    });
    sessions.add(session);
  };

  return {
    handleLink,
    get activeCalls() {
      return sessions.size;
    },
    get config() {
      return faults.config;
    },
    updateConfig(overrides) {
      const updated = resolveMockConfig(overrides, faults.config);
      faults.update(updated);
      options.logger.info({ overrides, profile: updated.profile }, 'mock agent config updated');
      return updated;
    },
    get faultMetrics() {
      return faults.metrics();
    },
    close() {
      closed = true;
      for (const session of [...sessions]) session.close();
    },
  };
}

function requirePhraseAudio(audio: AudioLibrary): void {
  for (const text of [GREETING, ...REPLIES]) {
    try {
      audio.get('agent', text);
    } catch (err) {
      throw missingMockAudio(text, err);
    }
  }
}

/** Calls the `onCallEnd` listener and logs its error, because the stream has already ended. */
function notifyCallEnd(options: MockAgentOptions, record: CallEndRecord): void {
  try {
    options.onCallEnd?.(record);
  } catch (err) {
    options.logger.error({ err, callSid: record.callSid }, 'onCallEnd listener failed');
  }
}
