import type { MockConfig, MockConfigOverrides } from './config.js';

export type ProfileName = 'healthy' | 'saturation' | 'leak' | 'timeouts' | 'slow-path' | 'tts-limit';

/** One named fault: what it sets, and its size in the fault's own unit at a given strength. */
export interface FaultProfile {
  name: ProfileName;
  /** Description of the knobs the profile sets, for help text and reports. */
  sets: string;
  /** Unit of `defaultValue` and of `valueAt`. */
  unit: string;
  /** Size of the fault at strength 1. */
  defaultValue: number;
  /** Size of the fault at `strength`, in `unit`. */
  valueAt(strength: number): number;
  /** Knobs that produce the fault at `strength`, applied over the healthy stages. */
  overrides(strength: number, healthy: Readonly<MockConfig>): MockConfigOverrides;
}

/** Largest share of TTS requests the `timeouts` profile lets time out, so that most answers still get through. */
const MAX_TIMEOUT_SHARE = 0.45;
const TIMEOUT_RETRIES = 2;
const SATURATION_SLOTS = 2;
/** Median LLM time of the healthy stages, in ms; the saturation profile's capacity is stated against it. */
const HEALTHY_LLM_MEDIAN_MS = 350;
const TTS_LIMIT_PER_SECOND = 2;
const TTS_LIMIT_BURST = 2;

/*
 * Default strengths aim at the bundled scenario (a turn every 8 to 9 s per
 * call, one LLM request and one TTS request each, plus one TTS request per
 * greeting). Two LLM slots of 350 ms serve about 5.7 requests per second,
 * about 45 calls, so queueing shows from about 20 calls and is negligible
 * at 2. Two TTS requests per second are about 15 calls' worth.
 */
export const FAULT_PROFILES: readonly Readonly<FaultProfile>[] = Object.freeze([
  {
    name: 'healthy',
    sets: 'no fault: the default stage latencies without slots, rate limits, timeouts, leak or slow path',
    unit: 'none',
    defaultValue: 0,
    valueAt: () => 0,
    overrides: () => ({}),
  },
  {
    name: 'saturation',
    sets: `${SATURATION_SLOTS} llm slots, so that requests beyond them queue; strength multiplies the llm time, which divides the requests per second the slots serve`,
    unit: 'llm requests per second served',
    defaultValue: SATURATION_SLOTS * (1000 / HEALTHY_LLM_MEDIAN_MS),
    valueAt: (strength) => (SATURATION_SLOTS * 1000) / (HEALTHY_LLM_MEDIAN_MS * strength),
    overrides(strength, healthy) {
      return { stages: { llm: { slots: SATURATION_SLOTS, medianMs: healthy.stages.llm.medianMs * strength } } };
    },
  },
  {
    name: 'leak',
    sets: 'a drift leak: each call handled adds this much LLM time to every later turn',
    unit: 'ms per call',
    defaultValue: 10,
    valueAt: (strength) => 10 * strength,
    overrides(strength) {
      return { leak: { mode: 'drift', msPerCall: this.valueAt(strength) } };
    },
  },
  {
    name: 'timeouts',
    sets: `a tts timeout at the latency this share of tts requests exceeds, with ${TIMEOUT_RETRIES} retries; a timed-out answer is heard as a fragment and then a repeat`,
    unit: 'share of tts requests',
    defaultValue: 0.2,
    valueAt: (strength) => Math.min(MAX_TIMEOUT_SHARE, 0.2 * strength),
    overrides(strength, healthy) {
      const tts = healthy.stages.tts;
      const timeoutMs = tts.medianMs * Math.exp(tts.sigma * normalQuantile(1 - this.valueAt(strength)));
      return { stages: { tts: { timeoutMs: Math.round(timeoutMs), retries: TIMEOUT_RETRIES } } };
    },
  },
  {
    name: 'slow-path',
    sets: 'a slow path: this share of calls gets 1500 ms more LLM time on every turn',
    unit: 'share of calls',
    defaultValue: 0.1,
    valueAt: (strength) => Math.min(1, 0.1 * strength),
    overrides(strength) {
      return { slowPath: { share: this.valueAt(strength), extraMs: 1500 } };
    },
  },
  {
    name: 'tts-limit',
    sets: `a tts token bucket (burst ${TTS_LIMIT_BURST}) whose excess retries after 500, 1000 and 2000 ms, then drops the utterance; strength divides the rate`,
    unit: 'requests per second',
    defaultValue: TTS_LIMIT_PER_SECOND,
    valueAt: (strength) => TTS_LIMIT_PER_SECOND / strength,
    overrides(strength) {
      return {
        stages: { tts: { rateLimit: { perSecond: this.valueAt(strength), burst: TTS_LIMIT_BURST, onLimit: 'retry', retryBackoffMs: 500, maxRetries: 3 } } },
      };
    },
  },
]);

export const PROFILE_NAMES: readonly ProfileName[] = Object.freeze(FAULT_PROFILES.map((profile) => profile.name));

/** Returns the knobs of `name` at `strength`, to apply over the healthy stages in `healthy`. */
export function applyProfile(name: ProfileName, strength: number, healthy: Readonly<MockConfig>): MockConfigOverrides {
  const profile = FAULT_PROFILES.find((candidate) => candidate.name === name)!;
  return profile.overrides(strength, healthy);
}

/**
 * Returns z with P(Z < z) = p for a standard normal Z, by bisection on the
 * CDF. The CDF uses the Abramowitz and Stegun 7.1.26 approximation of erf,
 * whose error is below 1.5e-7.
 */
export function normalQuantile(p: number): number {
  let low = -10;
  let high = 10;
  for (let i = 0; i < 80; i++) {
    const middle = (low + high) / 2;
    if (normalCdf(middle) < p) low = middle;
    else high = middle;
  }
  return (low + high) / 2;
}

function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const polynomial = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - polynomial * Math.exp(-x * x);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}
