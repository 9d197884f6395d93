/** The mock agent's greeting, spoken as soon as the stream starts. */
export const GREETING = 'Thank you for calling support. How can I help you today?';

/**
 * Replies after the first answer, used in order so that no two answers in a
 * call sound alike (the first answer is the caller's expected result).
 */
export const REPLIES: readonly string[] = Object.freeze([
  'Sure, let me check that for you. Everything looks fine on your side.',
  'Of course. Is there anything else I can help you with today?',
  'Thanks for waiting. I have noted that on your account.',
  'Certainly. You will get an email with the details shortly.',
]);
