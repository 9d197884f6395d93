import { randomBytes } from 'node:crypto';

import seedrandom from 'seedrandom';

/** Twilio-style ids for one call: a two-letter prefix and 32 hex digits. */
export interface CallIds {
  accountSid: string;
  callSid: string;
  streamSid: string;
}

const HEX_DIGITS = 32;

/**
 * Builds a generator of per-call ids. With a seed, a call's ids depend only
 * on the seed and its call id, not on how many calls came before it.
 * Without one they come from the system's random source.
 */
export function createIdGenerator(seed: string | number | undefined): (callId: string) => CallIds {
  const accountSid = 'AC' + hexDigits(randomSource(seed, 'account'));

  return (callId: string) => {
    const random = randomSource(seed, `call:${callId}`);
    return { accountSid, callSid: 'CA' + hexDigits(random), streamSid: 'MZ' + hexDigits(random) };
  };
}

type RandomSource = () => Buffer;

function randomSource(seed: string | number | undefined, key: string): RandomSource {
  if (seed === undefined) return () => randomBytes(HEX_DIGITS / 2);
  const prng = seedrandom(`${seed}/${key}`);
  return () => Buffer.from(Array.from({ length: HEX_DIGITS / 2 }, () => Math.floor(prng() * 256)));
}

function hexDigits(random: RandomSource): string {
  return random().toString('hex');
}
