import type { MockConfig, MockConfigOverrides } from './config.js';
import { invalidMockOption } from './errors.js';

const TOP_LEVEL_KEYS = new Set(['endpointingMs', 'speechFramesToStart', 'stages', 'sendPacing', 'minChunkBytes', 'maxChunkBytes']);
const LATENCY_KEYS = new Set(['medianMs', 'sigma']);
const SEND_PACINGS = new Set(['burst']);

/**
 * Throws VL_MOCK_OPTION_INVALID for an unknown key in `overrides`, then for
 * the first field of the merged `config` that is out of range, then for
 * fields that conflict with each other.
 */
export function validateMockOverrides(overrides: MockConfigOverrides, config: MockConfig): void {
  rejectUnknownKeys(overrides, config);
  validateFields(config);
  validateCombinations(config);
}

function rejectUnknownKeys(overrides: MockConfigOverrides, config: MockConfig): void {
  for (const key of Object.keys(overrides)) {
    if (!TOP_LEVEL_KEYS.has(key)) throw invalidMockOption(key, (overrides as Record<string, unknown>)[key], `one of ${[...TOP_LEVEL_KEYS].join(', ')}`);
  }

  const stages = (overrides.stages ?? {}) as Record<string, unknown>;
  for (const [name, model] of Object.entries(stages)) {
    if (!(name in config.stages)) throw invalidMockOption(`stages.${name}`, model, `a stage name from ${Object.keys(config.stages).join(', ')}`);
    for (const key of Object.keys(model ?? {})) {
      if (!LATENCY_KEYS.has(key)) throw invalidMockOption(`stages.${name}.${key}`, (model as Record<string, unknown>)[key], 'medianMs or sigma');
    }
  }
}

function validateFields(config: MockConfig): void {
  requireNumber('endpointingMs', config.endpointingMs, 0, false);
  requireInteger('speechFramesToStart', config.speechFramesToStart, 1);
  for (const [name, model] of Object.entries(config.stages)) {
    requireNumber(`stages.${name}.medianMs`, model.medianMs, 0, true);
    requireNumber(`stages.${name}.sigma`, model.sigma, 0, false);
  }
  if (!SEND_PACINGS.has(config.sendPacing)) throw invalidMockOption('sendPacing', config.sendPacing, `one of ${[...SEND_PACINGS].join(', ')}`);
  requireInteger('minChunkBytes', config.minChunkBytes, 1);
  requireInteger('maxChunkBytes', config.maxChunkBytes, 1);
}

function validateCombinations(config: MockConfig): void {
  if (config.minChunkBytes > config.maxChunkBytes) {
    throw invalidMockOption('minChunkBytes', config.minChunkBytes, `a value no larger than maxChunkBytes (${config.maxChunkBytes})`);
  }
}

function requireNumber(name: string, value: unknown, minimum: number, exclusive: boolean): void {
  const inRange = typeof value === 'number' && Number.isFinite(value) && (exclusive ? value > minimum : value >= minimum);
  if (!inRange) throw invalidMockOption(name, value, `a finite number ${exclusive ? 'greater than' : 'of at least'} ${minimum}`);
}

function requireInteger(name: string, value: unknown, minimum: number): void {
  if (!Number.isInteger(value) || (value as number) < minimum) throw invalidMockOption(name, value, `an integer of at least ${minimum}`);
}
