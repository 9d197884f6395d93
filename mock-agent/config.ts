import { applyProfile, PROFILE_NAMES, type ProfileName } from './profiles.js';
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

/**
 * How answer audio goes out: `realtime` sends one 160-byte frame every 20 ms,
 * `burst` sends the whole answer at once as media messages of random sizes,
 * `blob` sends it as a single media message.
 */
export type SendPacing = 'realtime' | 'burst' | 'blob';

export const SEND_PACINGS: readonly SendPacing[] = Object.freeze(['realtime', 'burst', 'blob']);

/**
 * What a request does when the bucket is empty: `queue` waits for a token,
 * `retry` backs off and tries again as a client does after HTTP 429, `fail`
 * drops the answer at once.
 */
export type RateLimitAction = 'queue' | 'retry' | 'fail';

export const RATE_LIMIT_ACTIONS: readonly RateLimitAction[] = Object.freeze(['queue', 'retry', 'fail']);

/** Token bucket in front of one stage. It counts requests, not calls. */
export interface RateLimitConfig {
  /** Tokens added per second. */
  perSecond: number;
  /** Bucket capacity, so the number of requests that pass at once after a quiet spell. */
  burst: number;
  onLimit: RateLimitAction;
  /** Backoff before retry k (0-based) under `retry`: `retryBackoffMs * 2^k`, moved by up to +-20% (seeded). */
  retryBackoffMs: number;
  /** Retries under `retry` before the answer is dropped. */
  maxRetries: number;
}

/** A stage's latency and the faults in front of it. */
export interface StageConfig extends LatencyModel {
  /** Requests served at once; later ones queue in arrival order. Null for no limit. */
  slots: number | null;
  rateLimit: RateLimitConfig | null;
  /**
   * A request whose drawn latency exceeds this is abandoned at this time and
   * enters the stage again with a new draw. Null for no timeout.
   */
  timeoutMs: number | null;
  /** New attempts after a timeout before the answer is dropped. */
  retries: number;
  /** Time after the agent's first call before the slots, rate limit and timeout apply. */
  startAfterMs: number;
}

/** `drift`: every call handled adds `msPerCall` to the LLM time of every later turn, for good. */
export interface DriftLeak {
  mode: 'drift';
  msPerCall: number;
  startAfterMs: number;
  retainBytesPerCall: number;
}

/** `cap`: each call keeps one provider socket for good; calls after `maxSockets` greet but never answer. */
export interface CapLeak {
  mode: 'cap';
  maxSockets: number;
  startAfterMs: number;
  retainBytesPerCall: number;
}

/** `gc`: every `everyMs` (moved by up to +-`jitter` of it, seeded) the whole agent stalls for `stallMs`. */
export interface GcLeak {
  mode: 'gc';
  everyMs: number;
  stallMs: number;
  /** Share of `everyMs`, 0 to 1. */
  jitter: number;
  startAfterMs: number;
  retainBytesPerCall: number;
}

/**
 * A leak. `retainBytesPerCall` allocates and keeps that many bytes per call
 * handled, but only on a real clock, so never in a simulation.
 */
export type LeakConfig = DriftLeak | CapLeak | GcLeak;

export type LeakMode = LeakConfig['mode'];

export const LEAK_MODES: readonly LeakMode[] = Object.freeze(['drift', 'cap', 'gc']);

/** A fixed share of calls, picked by the seed and the callSid, that get `extraMs` more LLM time on every turn. */
export interface SlowPathConfig {
  /** Share of calls, 0 to 1. */
  share: number;
  extraMs: number;
  startAfterMs: number;
}

export interface MockConfig {
  /** Caller silence, from the first unvoiced frame after speech, that ends a caller turn. */
  endpointingMs: number;
  /** Consecutive voiced 20 ms frames that count as the caller starting to speak. */
  speechFramesToStart: number;
  /** Speech-to-text finalization, LLM time to first token, TTS time to first byte, and their faults. */
  stages: Readonly<Record<StageName, Readonly<StageConfig>>>;
  sendPacing: SendPacing;
  /** Size range of one outbound media payload under `burst` pacing, in mu-law bytes. */
  minChunkBytes: number;
  maxChunkBytes: number;
  /** Last profile applied, or null when none was. */
  profile: ProfileName | null;
  /** Multiplier of the profile's fault, 1 for its default strength. */
  strength: number;
  /** Default `startAfterMs` of every fault that does not set its own. */
  startAfterMs: number;
  leak: Readonly<LeakConfig> | null;
  slowPath: Readonly<SlowPathConfig> | null;
}

export type StageOverrides = Partial<LatencyModel> & {
  slots?: number | null;
  rateLimit?: Partial<RateLimitConfig> | null;
  timeoutMs?: number | null;
  retries?: number;
  startAfterMs?: number;
};

export type LeakOverrides =
  | (Partial<Omit<DriftLeak, 'mode'>> & { mode?: 'drift' })
  | (Partial<Omit<CapLeak, 'mode'>> & { mode?: 'cap' })
  | (Partial<Omit<GcLeak, 'mode'>> & { mode?: 'gc' });

export interface MockConfigOverrides {
  endpointingMs?: number;
  speechFramesToStart?: number;
  stages?: Partial<Record<StageName, StageOverrides>>;
  sendPacing?: SendPacing;
  minChunkBytes?: number;
  maxChunkBytes?: number;
  /** Resets stages, leak and slow path to the healthy defaults, then sets the profile's fault. */
  profile?: ProfileName;
  strength?: number;
  startAfterMs?: number;
  leak?: LeakOverrides | null;
  slowPath?: Partial<SlowPathConfig> | null;
}

const HEALTHY_FAULTS = Object.freeze({ slots: null, rateLimit: null, timeoutMs: null, retries: 0, startAfterMs: 0 });

/** The healthy mock: typical hosted STT, LLM and TTS latencies, no faults. */
export const MOCK_DEFAULTS: Readonly<MockConfig> = freezeConfig({
  endpointingMs: 500,
  speechFramesToStart: 3,
  stages: {
    stt: { medianMs: 150, sigma: 0.25, ...HEALTHY_FAULTS },
    llm: { medianMs: 350, sigma: 0.3, ...HEALTHY_FAULTS },
    tts: { medianMs: 120, sigma: 0.25, ...HEALTHY_FAULTS },
  },
  sendPacing: 'burst',
  minChunkBytes: 400,
  maxChunkBytes: 1200,
  profile: null,
  strength: 1,
  startAfterMs: 0,
  leak: null,
  slowPath: null,
});

/** Values a rate limit takes for the fields that its override leaves out. */
export const RATE_LIMIT_DEFAULTS: Readonly<RateLimitConfig> = Object.freeze({
  perSecond: 10,
  burst: 10,
  onLimit: 'retry',
  retryBackoffMs: 500,
  maxRetries: 3,
});

/** Values each leak mode takes for the fields that its override leaves out. */
export const LEAK_DEFAULTS: Readonly<{ [M in LeakMode]: Readonly<Omit<Extract<LeakConfig, { mode: M }>, 'startAfterMs'>> }> = Object.freeze({
  drift: Object.freeze({ mode: 'drift', msPerCall: 10, retainBytesPerCall: 0 }),
  cap: Object.freeze({ mode: 'cap', maxSockets: 20, retainBytesPerCall: 0 }),
  gc: Object.freeze({ mode: 'gc', everyMs: 10_000, stallMs: 1500, jitter: 0.2, retainBytesPerCall: 0 }),
});

/** Values a slow path takes for the fields that its override leaves out. */
export const SLOW_PATH_DEFAULTS: Readonly<Omit<SlowPathConfig, 'startAfterMs'>> = Object.freeze({ share: 0.1, extraMs: 1500 });

/**
 * Builds a frozen config by applying `overrides` to `base` (MOCK_DEFAULTS
 * unless given): first `profile` or `strength`, then every other field.
 * Nested stage fields merge with the base stage. A rate limit, leak or slow
 * path merges with the base one when it has one (and the same leak mode),
 * otherwise with its defaults, and null turns it off. `overrides` is copied
 * and never changed. Throws VL_MOCK_OPTION_INVALID naming the first option
 * that is unknown or out of range.
 */
export function resolveMockConfig(overrides: MockConfigOverrides = {}, base: Readonly<MockConfig> = MOCK_DEFAULTS): Readonly<MockConfig> {
  validateMockOverrides(overrides, undefined);

  let config = cloneConfig(base);
  const profile = overrides.profile ?? (overrides.strength === undefined ? undefined : (base.profile ?? undefined));
  if (profile !== undefined) {
    const strength = overrides.strength ?? 1;
    config = applyOverrides(healthyLike(config), applyProfile(profile, strength, MOCK_DEFAULTS));
    config.profile = profile;
    config.strength = strength;
  }
  const { profile: _profile, strength: _strength, ...knobs } = overrides;
  config = applyOverrides(config, knobs);

  validateMockOverrides(overrides, config);
  return freezeConfig(config);
}

/** `config` with the default stages, no leak and no slow path, keeping its other fields and its fault onset. */
function healthyLike(config: MockConfig): MockConfig {
  const stages = {} as Record<StageName, StageConfig>;
  for (const name of STAGE_NAMES) stages[name] = { ...MOCK_DEFAULTS.stages[name], startAfterMs: config.startAfterMs };
  return { ...config, stages, leak: null, slowPath: null };
}

function applyOverrides(base: MockConfig, overrides: MockConfigOverrides): MockConfig {
  const onsets: Onsets = { explicit: overrides.startAfterMs, fallback: overrides.startAfterMs ?? base.startAfterMs };

  const stages = {} as Record<StageName, StageConfig>;
  for (const name of STAGE_NAMES) {
    const current = base.stages[name];
    const override = overrides.stages?.[name];
    stages[name] = {
      ...current,
      ...withoutUndefined(override ?? {}),
      rateLimit: mergeRateLimit(current.rateLimit, override?.rateLimit),
      startAfterMs: override?.startAfterMs ?? onsets.explicit ?? current.startAfterMs,
    };
  }

  return {
    endpointingMs: overrides.endpointingMs ?? base.endpointingMs,
    speechFramesToStart: overrides.speechFramesToStart ?? base.speechFramesToStart,
    stages,
    sendPacing: overrides.sendPacing ?? base.sendPacing,
    minChunkBytes: overrides.minChunkBytes ?? base.minChunkBytes,
    maxChunkBytes: overrides.maxChunkBytes ?? base.maxChunkBytes,
    profile: base.profile,
    strength: base.strength,
    startAfterMs: onsets.fallback,
    leak: mergeLeak(base.leak, overrides.leak, onsets),
    slowPath: mergeSlowPath(base.slowPath, overrides.slowPath, onsets),
  };
}

/** The top-level `startAfterMs` when the overrides give one, and the onset of a fault created without its own. */
interface Onsets {
  explicit: number | undefined;
  fallback: number;
}

function mergeRateLimit(current: Readonly<RateLimitConfig> | null, override: Partial<RateLimitConfig> | null | undefined): RateLimitConfig | null {
  if (override === null) return null;
  if (override === undefined) return current === null ? null : { ...current };
  return { ...(current ?? RATE_LIMIT_DEFAULTS), ...withoutUndefined(override) };
}

function mergeLeak(current: Readonly<LeakConfig> | null, override: LeakOverrides | null | undefined, onsets: Onsets): LeakConfig | null {
  if (override === null) return null;
  if (override === undefined) return current === null ? null : { ...current, startAfterMs: onsets.explicit ?? current.startAfterMs };

  // A leak override without a known mode is left as it is, so that validation reports it.
  const mode = override.mode ?? current?.mode;
  if (mode === undefined || !LEAK_MODES.includes(mode)) return { ...(override as LeakConfig) };
  const from = current?.mode === mode ? current : { ...LEAK_DEFAULTS[mode], startAfterMs: onsets.fallback };
  return { ...from, ...withoutUndefined(override), mode, startAfterMs: override.startAfterMs ?? onsets.explicit ?? from.startAfterMs } as LeakConfig;
}

function mergeSlowPath(current: Readonly<SlowPathConfig> | null, override: Partial<SlowPathConfig> | null | undefined, onsets: Onsets): SlowPathConfig | null {
  if (override === null) return null;
  if (override === undefined) return current === null ? null : { ...current, startAfterMs: onsets.explicit ?? current.startAfterMs };
  const from = current ?? { ...SLOW_PATH_DEFAULTS, startAfterMs: onsets.fallback };
  return { ...from, ...withoutUndefined(override), startAfterMs: override.startAfterMs ?? onsets.explicit ?? from.startAfterMs };
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}

function cloneConfig(config: Readonly<MockConfig>): MockConfig {
  const stages = {} as Record<StageName, StageConfig>;
  for (const name of STAGE_NAMES) {
    const stage = config.stages[name];
    stages[name] = { ...stage, rateLimit: stage.rateLimit === null ? null : { ...stage.rateLimit } };
  }
  return {
    ...config,
    stages,
    leak: config.leak === null ? null : { ...config.leak },
    slowPath: config.slowPath === null ? null : { ...config.slowPath },
  };
}

function freezeConfig(config: MockConfig): Readonly<MockConfig> {
  for (const name of STAGE_NAMES) {
    Object.freeze(config.stages[name].rateLimit);
    Object.freeze(config.stages[name]);
  }
  Object.freeze(config.stages);
  Object.freeze(config.leak);
  Object.freeze(config.slowPath);
  return Object.freeze(config);
}

export { PROFILE_NAMES, type ProfileName };
