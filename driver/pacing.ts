import seedrandom from 'seedrandom';

import type { Scenario } from './scenario.js';

/**
 * Dial times, in ms from the start of the run, for `count` calls at
 * `arrivalRate` calls per second, climbing linearly from 0 over `rampUpMs`.
 * Call i is placed at the time the expected number of arrivals reaches
 * i + u, with u drawn uniformly from [0, 1): each call lands at a seeded
 * random point inside its own share of the rate, so the count of dials in
 * any window stays within one of the rate's.
 */
export function arrivalTimesMs(count: number, arrivalRate: number, rampUpMs: number, seed: string): number[] {
  return [...arrivalTimes(count, arrivalRate, rampUpMs, seed)];
}

/** Yields the times of `arrivalTimesMs` one at a time, so a long run keeps no array of every dial time. */
export function* arrivalTimes(count: number, arrivalRate: number, rampUpMs: number, seed: string): Generator<number> {
  const random = seedrandom(`${seed}:arrivals`);
  const ratePerMs = arrivalRate / 1000;
  for (let index = 0; index < count; index++) yield timeOfArrival(index + random(), ratePerMs, rampUpMs);
}

/** Inverse of the expected arrivals by time t: rate * t^2 / (2 * ramp) during the ramp, linear after it. */
function timeOfArrival(arrivals: number, ratePerMs: number, rampUpMs: number): number {
  const arrivalsDuringRamp = (ratePerMs * rampUpMs) / 2;
  if (arrivals <= arrivalsDuringRamp) return Math.sqrt((2 * rampUpMs * arrivals) / ratePerMs);
  return rampUpMs + (arrivals - arrivalsDuringRamp) / ratePerMs;
}

/** Start reasons after which a call may be dialled again when `redial` allows. */
export const REDIALLABLE_FAILURES: ReadonlySet<string> = new Set(['rejected_cps', 'rejected_busy']);

/** True when the scenario paces dials by an arrival rate rather than by gaps. */
export function pacedByRate(scenario: Scenario): scenario is Scenario & { arrivalRate: number } {
  return scenario.arrivalRate !== null;
}
