import { UsageError, VoiceLoadError } from '../core/errors.js';

/** Builds the error for a mock agent option that is unknown or out of range. */
export function invalidMockOption(name: string, value: unknown, allowed: string): UsageError {
  return new UsageError('VL_MOCK_OPTION_INVALID', `invalid mock agent option ${name}: ${JSON.stringify(value)}`, `use ${allowed}`);
}

/** Builds the error for a mock phrase without a prepared clip in the audio library. */
export function missingMockAudio(text: string, cause: unknown): VoiceLoadError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new VoiceLoadError('VL_MOCK_AUDIO_MISSING', `no prepared audio for mock agent phrase "${text}": ${reason}`, 'run `npm run prepare-audio` so that every scenario result and mock phrase has a clip');
}

/** Builds the error that ends a think-time wait whose call has ended. The session that started the wait ignores it. */
export function abortedError(): VoiceLoadError {
  return new VoiceLoadError('VL_MOCK_ABORTED', 'the call ended while its answer was waiting in a stage');
}

export function isAbortedError(err: unknown): boolean {
  return err instanceof VoiceLoadError && err.code === 'VL_MOCK_ABORTED';
}
