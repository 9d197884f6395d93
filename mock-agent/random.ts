import seedrandom from 'seedrandom';

/** Seeded random draws for one call. */
export interface CallRandom {
  /** Uniform in [0, 1). */
  uniform(): number;
  /** Standard normal. */
  normal(): number;
  /** Uniform integer in [min, max], both included. */
  integer(min: number, max: number): number;
}

/**
 * Creates the stream keyed by the run seed and the call's callSid, so that a
 * call's draws do not depend on how many calls came before it.
 */
export function createCallRandom(seed: string, callSid: string): CallRandom {
  const prng = seedrandom(`${seed}:${callSid}`);

  return {
    uniform: () => prng(),
    normal: () => boxMuller(prng(), prng()),
    integer: (min, max) => min + Math.floor(prng() * (max - min + 1)),
  };
}

/** Box-Muller transform. `1 - u1` lies in (0, 1], so the logarithm is finite. */
function boxMuller(u1: number, u2: number): number {
  return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
}
