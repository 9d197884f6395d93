import { validateMockOverrides } from './validate.js';

export type StageName = 'stt' | 'llm' | 'tts';

/** Think-time stages in the order an answer passes through them. */
export const STAGE_NAMES: readonly StageName[] = Object.freeze(['stt', 'llm', 'tts']);

/**
 * Lognormal latency: `medianMs * exp(sigma * z)` with z standard normal, so
 * `medianMs` is the median and `sigma` the spread of the log. Sigma 0 gives
 * exactly `medianMs` on every draw.
 */
export interface LatencyModel {
  medianMs: number;
  sigma: number;
}

/** `burst`: each answer is sent at once, as media messages of random sizes. */
export type SendPacing = 'burst';

export interface MockConfig {
  /** Caller silence, from the first unvoiced frame after speech, that ends a caller turn. */
  endpointingMs: number;
  /** Consecutive voiced 20 ms frames that count as the caller starting to speak. */
  speechFramesToStart: number;
  /** Speech-to-text finalization, LLM time to first token, TTS time to first byte. */
  stages: Readonly<Record<StageName, Readonly<LatencyModel>>>;
  sendPacing: SendPacing;
  /** Size range of one outbound media payload under `burst` pacing, in mu-law bytes. */
  minChunkBytes: number;
  maxChunkBytes: number;
}

export interface MockConfigOverrides {
  endpointingMs?: number;
  speechFramesToStart?: number;
  stages?: Partial<Record<StageName, Partial<LatencyModel>>>;
  sendPacing?: SendPacing;
  minChunkBytes?: number;
  maxChunkBytes?: number;
}

/** The healthy mock: typical hosted STT, LLM and TTS latencies, no faults. */
export const MOCK_DEFAULTS: Readonly<MockConfig> = freezeConfig({
  endpointingMs: 500,
  speechFramesToStart: 3,
  stages: {
    stt: { medianMs: 150, sigma: 0.25 },
    llm: { medianMs: 350, sigma: 0.3 },
    tts: { medianMs: 120, sigma: 0.25 },
  },
  sendPacing: 'burst',
  minChunkBytes: 400,
  maxChunkBytes: 1200,
});

/**
 * Builds a frozen config from MOCK_DEFAULTS and `overrides`, which is copied
 * and never changed. Throws VL_MOCK_OPTION_INVALID naming the first option
 * that is unknown or out of range.
 */
export function resolveMockConfig(overrides: MockConfigOverrides = {}): Readonly<MockConfig> {
  const config: MockConfig = {
    endpointingMs: overrides.endpointingMs ?? MOCK_DEFAULTS.endpointingMs,
    speechFramesToStart: overrides.speechFramesToStart ?? MOCK_DEFAULTS.speechFramesToStart,
    stages: mergeStages(overrides.stages ?? {}),
    sendPacing: overrides.sendPacing ?? MOCK_DEFAULTS.sendPacing,
    minChunkBytes: overrides.minChunkBytes ?? MOCK_DEFAULTS.minChunkBytes,
    maxChunkBytes: overrides.maxChunkBytes ?? MOCK_DEFAULTS.maxChunkBytes,
  };

  validateMockOverrides(overrides, config);
  return freezeConfig(config);
}

function mergeStages(overrides: Partial<Record<StageName, Partial<LatencyModel>>>): Record<StageName, LatencyModel> {
  const merged = {} as Record<StageName, LatencyModel>;
  for (const name of STAGE_NAMES) merged[name] = { ...MOCK_DEFAULTS.stages[name], ...overrides[name] };
  return merged;
}

function freezeConfig(config: MockConfig): Readonly<MockConfig> {
  for (const name of STAGE_NAMES) Object.freeze(config.stages[name]);
  Object.freeze(config.stages);
  return Object.freeze(config);
}
