import type { FindingMode } from '../analysis/diagnosis/index.js';
import type { Scenario } from '../driver/index.js';
import type { MockConfigOverrides } from '../mock-agent/index.js';
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

/**
 * Strength of each injected fault, as a multiple of the mock profile's
 * default strength. The defaults are sized to show clearly at 20 to 50
 * concurrent calls of the bundled scenario.
 */
export const VALIDATE_STRENGTH = 1.5;

/**
 * The switch's routing profile at `strength`: setup cost and stall length
 * scale with it (stalls capped below the 0.8 x interval the switch allows).
 */
function routingAt(strength: number): SwitchModelOptions {
  const stallMs = Math.min(ROUTING_PROFILE.routingStallMs * strength, 0.75 * ROUTING_PROFILE.routingStallEveryMs);
  return { ...ROUTING_PROFILE, routingSetupMs: ROUTING_PROFILE.routingSetupMs * strength, routingStallMs: stallMs };
}

/** Builds the case for `mode`, with the fault at `strength` times its profile's default. */
export function validateCase(mode: ValidateModeId, strength = VALIDATE_STRENGTH): ValidateCase {
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
