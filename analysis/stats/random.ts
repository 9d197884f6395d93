import seedrandom from 'seedrandom';

/** A seeded source of uniform draws in [0, 1) and standard normal draws. */
export interface SeededRandom {
  uniform(): number;
  normal(): number;
}

/** Creates a seeded generator; the same seed gives the same sequence. */
export function seededRandom(seed: string): SeededRandom {
  const next = seedrandom(seed);
  let spare: number | null = null;
  return {
    uniform: () => next(),
    // Box-Muller transform, keeping the second draw of each pair.
    normal: () => {
      if (spare !== null) {
        const held = spare;
        spare = null;
        return held;
      }
      const radius = Math.sqrt(-2 * Math.log(1 - next()));
      const angle = 2 * Math.PI * next();
      spare = radius * Math.sin(angle);
      return radius * Math.cos(angle);
    },
  };
}
