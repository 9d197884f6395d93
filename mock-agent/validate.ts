import type { LeakConfig, MockConfig, MockConfigOverrides, RateLimitConfig, SlowPathConfig, StageConfig } from './config.js';
import { invalidMockOption } from './errors.js';
import { PROFILE_NAMES } from './profiles.js';

const TOP_LEVEL_KEYS = ['endpointingMs', 'speechFramesToStart', 'stages', 'sendPacing', 'minChunkBytes', 'maxChunkBytes', 'profile', 'strength', 'startAfterMs', 'leak', 'slowPath'];
const STAGE_NAME_LIST = ['stt', 'llm', 'tts'];
const STAGE_KEYS = ['medianMs', 'sigma', 'slots', 'rateLimit', 'timeoutMs', 'retries', 'startAfterMs'];
const RATE_LIMIT_KEYS = ['perSecond', 'burst', 'onLimit', 'retryBackoffMs', 'maxRetries'];
const LEAK_KEYS: Record<LeakConfig['mode'], string[]> = {
  drift: ['mode', 'msPerCall', 'startAfterMs', 'retainBytesPerCall'],
  cap: ['mode', 'maxSockets', 'startAfterMs', 'retainBytesPerCall'],
  gc: ['mode', 'everyMs', 'stallMs', 'jitter', 'startAfterMs', 'retainBytesPerCall'],
};
const SLOW_PATH_KEYS = ['share', 'extraMs', 'startAfterMs'];
const SEND_PACINGS = ['realtime', 'burst', 'blob'];
const RATE_LIMIT_ACTIONS = ['queue', 'retry', 'fail'];

/** Bytes a leak may keep per call: enough to show in RSS, small enough that a long run cannot exhaust memory by accident. */
export const MAX_RETAIN_BYTES_PER_CALL = 16 * 1024 * 1024;

/**
 * Without `config`, throws VL_MOCK_OPTION_INVALID for an unknown key or a
 * value of the wrong kind in `overrides`. With the merged `config`, throws it
 * for the first field out of range, then for fields that conflict.
 */
export function validateMockOverrides(overrides: MockConfigOverrides, config: MockConfig | undefined): void {
  if (config === undefined) {
    rejectUnknownKeys(overrides);
    return;
  }
  validateFields(config);
  validateCombinations(config);
}

function rejectUnknownKeys(overrides: MockConfigOverrides): void {
  requireObject('mock agent options', overrides);
  rejectKeys('', overrides, TOP_LEVEL_KEYS);
  if (overrides.profile !== undefined && !PROFILE_NAMES.includes(overrides.profile)) throw invalidMockOption('profile', overrides.profile, `one of ${PROFILE_NAMES.join(', ')}`);

  if (overrides.stages !== undefined) {
    requireObject('stages', overrides.stages);
    rejectKeys('stages.', overrides.stages, STAGE_NAME_LIST, 'a stage name from');
    for (const [name, stage] of Object.entries(overrides.stages)) {
      requireObject(`stages.${name}`, stage);
      rejectKeys(`stages.${name}.`, stage, STAGE_KEYS);
      if (stage.rateLimit !== undefined && stage.rateLimit !== null) {
        requireObject(`stages.${name}.rateLimit`, stage.rateLimit);
        rejectKeys(`stages.${name}.rateLimit.`, stage.rateLimit, RATE_LIMIT_KEYS);
      }
    }
  }

  if (overrides.leak !== undefined && overrides.leak !== null) {
    requireObject('leak', overrides.leak);
    const mode = overrides.leak.mode;
    if (mode !== undefined && !(mode in LEAK_KEYS)) throw invalidMockOption('leak.mode', mode, `one of ${Object.keys(LEAK_KEYS).join(', ')}`);
    if (mode !== undefined) rejectKeys('leak.', overrides.leak, LEAK_KEYS[mode]);
  }
  if (overrides.slowPath !== undefined && overrides.slowPath !== null) {
    requireObject('slowPath', overrides.slowPath);
    rejectKeys('slowPath.', overrides.slowPath, SLOW_PATH_KEYS);
  }
}

function validateFields(config: MockConfig): void {
  requireNumber('endpointingMs', config.endpointingMs, 0, false);
  requireInteger('speechFramesToStart', config.speechFramesToStart, 1);
  for (const [name, stage] of Object.entries(config.stages)) validateStage(`stages.${name}`, stage);
  if (!SEND_PACINGS.includes(config.sendPacing)) throw invalidMockOption('sendPacing', config.sendPacing, `one of ${SEND_PACINGS.join(', ')}`);
  requireInteger('minChunkBytes', config.minChunkBytes, 1);
  requireInteger('maxChunkBytes', config.maxChunkBytes, 1);
  requireNumber('strength', config.strength, 0, true);
  requireNumber('startAfterMs', config.startAfterMs, 0, false);
  if (config.leak !== null) validateLeak(config.leak);
  if (config.slowPath !== null) validateSlowPath(config.slowPath);
}

function validateStage(prefix: string, stage: StageConfig): void {
  requireNumber(`${prefix}.medianMs`, stage.medianMs, 0, true);
  requireNumber(`${prefix}.sigma`, stage.sigma, 0, false);
  if (stage.slots !== null) requireInteger(`${prefix}.slots`, stage.slots, 1, 'or null for no limit');
  if (stage.timeoutMs !== null) requireNumber(`${prefix}.timeoutMs`, stage.timeoutMs, 0, true, 'or null for no timeout');
  requireInteger(`${prefix}.retries`, stage.retries, 0);
  requireNumber(`${prefix}.startAfterMs`, stage.startAfterMs, 0, false);
  if (stage.rateLimit !== null) validateRateLimit(`${prefix}.rateLimit`, stage.rateLimit);
}

function validateRateLimit(prefix: string, limit: RateLimitConfig): void {
  requireNumber(`${prefix}.perSecond`, limit.perSecond, 0, true);
  requireNumber(`${prefix}.burst`, limit.burst, 1, false);
  if (!RATE_LIMIT_ACTIONS.includes(limit.onLimit)) throw invalidMockOption(`${prefix}.onLimit`, limit.onLimit, `one of ${RATE_LIMIT_ACTIONS.join(', ')}`);
  requireNumber(`${prefix}.retryBackoffMs`, limit.retryBackoffMs, 0, false);
  requireInteger(`${prefix}.maxRetries`, limit.maxRetries, 0);
}

function validateLeak(leak: LeakConfig): void {
  if (!(leak.mode in LEAK_KEYS)) throw invalidMockOption('leak.mode', leak.mode, `one of ${Object.keys(LEAK_KEYS).join(', ')}, required when no leak is set yet`);
  requireNumber('leak.startAfterMs', leak.startAfterMs, 0, false);
  requireInteger('leak.retainBytesPerCall', leak.retainBytesPerCall, 0);
  if (leak.retainBytesPerCall > MAX_RETAIN_BYTES_PER_CALL) throw invalidMockOption('leak.retainBytesPerCall', leak.retainBytesPerCall, `an integer from 0 to ${MAX_RETAIN_BYTES_PER_CALL}`);

  if (leak.mode === 'drift') requireNumber('leak.msPerCall', leak.msPerCall, 0, false);
  if (leak.mode === 'cap') requireInteger('leak.maxSockets', leak.maxSockets, 0);
  if (leak.mode === 'gc') {
    requireNumber('leak.everyMs', leak.everyMs, 0, true);
    requireNumber('leak.stallMs', leak.stallMs, 0, true);
    requireFraction('leak.jitter', leak.jitter, 'a number from 0 to less than 1', false);
  }
}

function validateSlowPath(slowPath: SlowPathConfig): void {
  requireFraction('slowPath.share', slowPath.share, 'a number from 0 to 1', true);
  requireNumber('slowPath.extraMs', slowPath.extraMs, 0, false);
  requireNumber('slowPath.startAfterMs', slowPath.startAfterMs, 0, false);
}

function validateCombinations(config: MockConfig): void {
  if (config.minChunkBytes > config.maxChunkBytes) {
    throw invalidMockOption('minChunkBytes', config.minChunkBytes, `a value no larger than maxChunkBytes (${config.maxChunkBytes})`);
  }
  // Stalls must not overlap, so the shortest gap between two stall starts has to exceed a stall.
  const leak = config.leak;
  if (leak?.mode === 'gc' && leak.stallMs >= leak.everyMs * (1 - leak.jitter)) {
    throw invalidMockOption('leak.stallMs', leak.stallMs, `a value below everyMs * (1 - jitter) (${leak.everyMs * (1 - leak.jitter)})`);
  }
}

function rejectKeys(prefix: string, value: object, allowed: readonly string[], allowedLabel = 'one of'): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) throw invalidMockOption(`${prefix}${key}`, (value as Record<string, unknown>)[key], `${allowedLabel} ${allowed.join(', ')}`);
  }
}

function requireObject(name: string, value: unknown): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidMockOption(name, value, 'an object');
}

function requireNumber(name: string, value: unknown, minimum: number, exclusive: boolean, extra = ''): void {
  const inRange = typeof value === 'number' && Number.isFinite(value) && (exclusive ? value > minimum : value >= minimum);
  if (!inRange) throw invalidMockOption(name, value, `a finite number ${exclusive ? 'greater than' : 'of at least'} ${minimum}${extra === '' ? '' : ` ${extra}`}`);
}

function requireInteger(name: string, value: unknown, minimum: number, extra = ''): void {
  if (!Number.isInteger(value) || (value as number) < minimum) throw invalidMockOption(name, value, `an integer of at least ${minimum}${extra === '' ? '' : ` ${extra}`}`);
}

function requireFraction(name: string, value: unknown, allowed: string, oneIncluded: boolean): void {
  const inRange = typeof value === 'number' && value >= 0 && (oneIncluded ? value <= 1 : value < 1);
  if (!inRange) throw invalidMockOption(name, value, allowed);
}
