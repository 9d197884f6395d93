import type { FindingMode } from '../analysis/diagnosis/index.js';
import type { Scenario } from '../driver/index.js';
import { FAULT_PROFILES, type MockConfigOverrides } from '../mock-agent/index.js';
import { ROUTING_PROFILE, type SwitchModelOptions } from '../telephony-sim/index.js';

/** Fault cases `voice-load validate` injects, one id per failure mode plus `healthy`. */
export type ValidateModeId = 'healthy' | 'saturation' | 'tts-limit' | 'leak' | 'timeouts' | 'slow-path' | 'cps-limit' | 'routing';

export const VALIDATE_MODE_IDS: readonly ValidateModeId[] = Object.freeze(['healthy', 'saturation', 'tts-limit', 'leak', 'timeouts', 'slow-path', 'cps-limit', 'routing']);

/** How a case places its calls: one run at one level, or a sweep of levels against one agent. */
export type CaseShape = { kind: 'single'; concurrency: number; calls: number } | { kind: 'sweep'; levels: number[]; stepDown: number[]; callsPerLevel?: number };

export interface ValidateCase {
  mode: ValidateModeId;
  /** Finding the case must get; null for the healthy case, which must get none. */
  expected: FindingMode | null;
  /** Other findings the case may also get without failing. */
  allowed: FindingMode[];
  shape: CaseShape;
  scenario: Partial<Omit<Scenario, 'rows'>>;
  mock: MockConfigOverrides;
  switchOptions: SwitchModelOptions;
}

/** Scenario settings every case shares: two turns keep each call short. */
const BASE_SCENARIO: Partial<Omit<Scenario, 'rows'>> = Object.freeze({ maxTurns: 2, turnTimeoutMs: 6000 });

/** Modes that inject a fault. */
export type FaultModeId = Exclude<ValidateModeId, 'healthy'>;

/**
 * Minimum detectable effect of each mode at validate's run size, as a
 * strength: a multiple of the fault's size at strength 1 (see `faultSize`).
 * Each is the smallest strength of the scan in `bench/README.md` whose
 * seeded runs all got the mode's finding; the strength below it missed in
 * some. `bench/mde-scan.ts` repeats the scan.
 */
export const MINIMUM_DETECTABLE_STRENGTH: Readonly<Record<FaultModeId, number>> = Object.freeze({
  saturation: 1.1,
  'tts-limit': 1.25,
  leak: 0.1,
  timeouts: 0.75,
  'slow-path': 1.25,
  'cps-limit': 0.7,
  routing: 0.75,
});

/** `validate` injects each fault at this multiple of its minimum detectable strength. */
export const VALIDATE_MARGIN = 1.5;

/** Strength `validate` injects for `mode` at `margin` times its minimum detectable effect; 0 for healthy. */
export function validateStrength(mode: ValidateModeId, margin = VALIDATE_MARGIN): number {
  return mode === 'healthy' ? 0 : margin * MINIMUM_DETECTABLE_STRENGTH[mode];
}

/**
 * The switch's routing profile at `strength`: setup cost and stall length
 * scale with it (stalls capped below the 0.8 x interval the switch allows).
 */
function routingAt(strength: number): SwitchModelOptions {
  const stallMs = Math.min(ROUTING_PROFILE.routingStallMs * strength, 0.75 * ROUTING_PROFILE.routingStallEveryMs);
  return { ...ROUTING_PROFILE, routingSetupMs: ROUTING_PROFILE.routingSetupMs * strength, routingStallMs: stallMs };
}

/** Builds the case for `mode`, with the fault at `strength` (validate's strength for the mode unless given). */
export function validateCase(mode: ValidateModeId, strength = validateStrength(mode)): ValidateCase {
  const sweep: CaseShape = { kind: 'sweep', levels: [2, 12, 36], stepDown: [12] };
  switch (mode) {
    case 'healthy':
      return { mode, expected: null, allowed: [], shape: sweep, scenario: BASE_SCENARIO, mock: {}, switchOptions: {} };
    case 'saturation':
      return { mode, expected: 'saturation', allowed: ['timeouts', 'tts-limit'], shape: sweep, scenario: BASE_SCENARIO, mock: { profile: 'saturation', strength }, switchOptions: {} };
    case 'tts-limit':
      return { mode, expected: 'tts-limit', allowed: ['timeouts', 'latency-high-undetermined'], shape: { kind: 'single', concurrency: 12, calls: 60 }, scenario: BASE_SCENARIO, mock: { profile: 'tts-limit', strength }, switchOptions: {} };
    case 'leak':
      return { mode, expected: 'leak', allowed: ['latency-high-undetermined'], shape: { kind: 'single', concurrency: 16, calls: 160 }, scenario: BASE_SCENARIO, mock: { profile: 'leak', strength }, switchOptions: {} };
    case 'timeouts':
      return { mode, expected: 'timeouts', allowed: [], shape: { kind: 'single', concurrency: 10, calls: 60 }, scenario: BASE_SCENARIO, mock: { profile: 'timeouts', strength }, switchOptions: {} };
    case 'slow-path':
      return { mode, expected: 'slow-path', allowed: [], shape: { kind: 'single', concurrency: 10, calls: 80 }, scenario: BASE_SCENARIO, mock: { profile: 'slow-path', strength }, switchOptions: {} };
    case 'cps-limit':
      return {
        mode,
        expected: 'cps-limit',
        allowed: [],
        shape: { kind: 'single', concurrency: 40, calls: 60 },
        scenario: { ...BASE_SCENARIO, arrivalRate: 3 * strength },
        mock: {},
        switchOptions: { callsPerSecond: 2, cpsBurst: 2 },
      };
    case 'routing':
      return { mode, expected: 'routing', allowed: [], shape: sweep, scenario: BASE_SCENARIO, mock: {}, switchOptions: routingAt(strength) };
  }
}

/** Size of the fault a case injects, in the fault's own unit, such as `3.81 llm requests per second served`. */
export function faultSize(testCase: ValidateCase): string {
  const profile = FAULT_PROFILES.find((candidate) => candidate.name === testCase.mock.profile);
  if (profile !== undefined) return `${roundTo(profile.valueAt(testCase.mock.strength ?? 1))} ${profile.unit}`;
  const { scenario, switchOptions } = testCase;
  if (typeof scenario.arrivalRate === 'number' && typeof switchOptions.callsPerSecond === 'number') {
    return `${roundTo(scenario.arrivalRate)} dials per second against a limit of ${switchOptions.callsPerSecond}`;
  }
  if (switchOptions.routingSetupMs !== undefined) {
    return `${roundTo(switchOptions.routingSetupMs)} ms routing setup, ${roundTo(switchOptions.routingStallMs ?? 0)} ms stalls every ${switchOptions.routingStallEveryMs ?? 0} ms`;
  }
  return 'none';
}

/** Rounds to 3 decimals, as `validate` and `faultSize` print strengths and sizes. */
export function roundTo(value: number): number {
  return Math.round(value * 1000) / 1000;
}
