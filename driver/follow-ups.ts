/** What the caller says once a row's `input` and `followUps` are used up, in turn. */
export const GENERIC_FOLLOW_UPS: readonly string[] = Object.freeze([
  'Okay, thank you for your help.',
  'Sorry, could you say that again?',
  'Is there anything else I should know?',
]);
