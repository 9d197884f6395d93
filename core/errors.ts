/**
 * Every error the tool raises on purpose carries a stable code (`VL_*`),
 * a message naming the value at fault, and a hint saying how to fix it.
 * Usage errors exit with status 2.
 */
export class VoiceLoadError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly hint = '',
    readonly usage = false,
  ) {
    super(message);
    this.name = 'VoiceLoadError';
  }
}

/** An invalid option, scenario or input file: exit status 2. */
export class UsageError extends VoiceLoadError {
  constructor(code: string, message: string, hint = '') {
    super(code, message, hint, true);
    this.name = 'UsageError';
  }
}

export function isVoiceLoadError(err: unknown): err is VoiceLoadError {
  return err instanceof VoiceLoadError;
}
