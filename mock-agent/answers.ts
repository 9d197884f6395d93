import { createHash } from 'node:crypto';

import { REPLIES } from './phrases.js';

/** Length of the hex SHA-256 prefix in an answer mark's name. */
const MARK_HASH_HEX_DIGITS = 12;

/**
 * Returns the text of answer `turn` (1-based). The first answer is the
 * caller's expected result when the dial passed one; the answers after it
 * walk through REPLIES in order and wrap around.
 */
export function answerText(turn: number, expectedResult: string | undefined): string {
  if (expectedResult !== undefined) {
    return turn === 1 ? expectedResult : REPLIES[(turn - 2) % REPLIES.length]!;
  }
  return REPLIES[(turn - 1) % REPLIES.length]!;
}

/** Every text `answerText` can return for a call, each once. */
export function answerTexts(expectedResult: string | undefined): string[] {
  return expectedResult === undefined ? [...REPLIES] : [expectedResult, ...REPLIES.filter((reply) => reply !== expectedResult)];
}

/**
 * Names the mark sent after an answer: `answer:` and the first 12 hex digits
 * of the SHA-256 of its text, so a caller that knows the expected text can
 * check it was said.
 */
export function answerMarkName(text: string): string {
  const digest = createHash('sha256').update(text, 'utf8').digest('hex');
  return `answer:${digest.slice(0, MARK_HASH_HEX_DIGITS)}`;
}
