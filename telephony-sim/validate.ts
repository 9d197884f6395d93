import { UsageError } from '../core/index.js';
import type { SwitchOptions } from './options.js';
import { STALL_JITTER } from './routing.js';

/**
 * Checks the switch options as the caller passed them: each field on its
 * own, then the combinations that cannot work. Throws a UsageError with
 * code VL_INVALID_OPTION, VL_OPTION_CONFLICT or VL_INVALID_ROUTE.
 */
export function validateSwitchOptions(options: SwitchOptions): void {
  validateRoutes(options.routes);
  validateFields(options);
  validateCombinations(options);
}

function validateRoutes(routes: Record<string, string>): void {
  for (const [number, url] of Object.entries(routes)) {
    // mem:// addresses are the in-memory links of a simulated run.
    if (typeof url !== 'string' || !/^(wss?|mem):\/\//.test(url)) {
      throw new UsageError('VL_INVALID_ROUTE', `route for ${number} has URL ${JSON.stringify(url)}, which is not a WebSocket URL`, 'use a ws:// or wss:// URL');
    }
  }
}

function validateFields(options: SwitchOptions): void {
  optional(options.callsPerSecond, (value) => requirePositive('callsPerSecond', value));
  optional(options.cpsBurst, (value) => requirePositiveInteger('cpsBurst', value));
  optional(options.maxChannels, (value) => requirePositiveInteger('maxChannels', value));
  optional(options.uplinkLossRate, (value) => requireRate('uplinkLossRate', value));
  optional(options.downlinkLossRate, (value) => requireRate('downlinkLossRate', value));
  optional(options.routingWorkers, (value) => requirePositiveInteger('routingWorkers', value));
  optional(options.routingStallEveryMs, (value) => requirePositive('routingStallEveryMs', value));

  const durations = [
    'admissionQueueMs',
    'callerLegDelayMs',
    'callerLegJitterMs',
    'jitterBufferMs',
    'agentLegDelayMs',
    'agentLegJitterMs',
    'agentConnectTimeoutMs',
    'routingSetupMs',
    'routingFrameMs',
    'routingStallMs',
    'routingStartAfterMs',
  ] as const;
  for (const name of durations) optional(options[name], (value) => requireNonNegative(name, value));
}

function validateCombinations(options: SwitchOptions): void {
  if (options.cpsBurst !== undefined && options.callsPerSecond === undefined) {
    throw conflict(`cpsBurst is ${options.cpsBurst} but callsPerSecond is not set`, 'set callsPerSecond too, or drop cpsBurst');
  }

  const queueMs = options.admissionQueueMs ?? 0;
  if (queueMs > 0 && options.callsPerSecond === undefined && options.maxChannels === undefined) {
    throw conflict(`admissionQueueMs is ${queueMs} but neither callsPerSecond nor maxChannels is set, so no call is ever queued`, 'set a limit, or drop admissionQueueMs');
  }

  // Jitter is drawn from [0, callerLegJitterMs), so without a buffer nearly every frame would arrive late and play as silence.
  const jitterMs = options.callerLegJitterMs ?? 0;
  if (jitterMs > 0 && (options.jitterBufferMs ?? 0) === 0) {
    throw conflict(`callerLegJitterMs is ${jitterMs} but jitterBufferMs is 0, so almost every frame would be a late loss`, 'set jitterBufferMs > 0 (at least callerLegJitterMs for no late loss)');
  }

  validateRoutingCombinations(options);
}

const ROUTING_ENGINE_OPTIONS = ['routingSetupMs', 'routingFrameMs', 'routingStallEveryMs', 'routingStallMs', 'routingStartAfterMs'] as const;

function validateRoutingCombinations(options: SwitchOptions): void {
  if (options.routingWorkers === undefined) {
    const name = ROUTING_ENGINE_OPTIONS.find((candidate) => options[candidate] !== undefined);
    if (name !== undefined) {
      throw conflict(`${name} is ${options[name]} but routingWorkers is not set, so the routing engine is off`, `set routingWorkers too, or drop ${name}`);
    }
  }

  const stallMs = options.routingStallMs ?? 0;
  const everyMs = options.routingStallEveryMs;
  if (everyMs !== undefined && stallMs === 0) {
    throw conflict(`routingStallEveryMs is ${everyMs} but routingStallMs is 0, so no stall would last any time`, 'set routingStallMs > 0, or drop routingStallEveryMs');
  }
  if (everyMs === undefined && stallMs > 0) {
    throw conflict(`routingStallMs is ${stallMs} but routingStallEveryMs is not set, so no stall would happen`, 'set routingStallEveryMs too, or drop routingStallMs');
  }
  // The shortest interval between stall starts is (1 - STALL_JITTER) * routingStallEveryMs.
  const shortestIntervalMs = everyMs === undefined ? Number.POSITIVE_INFINITY : (1 - STALL_JITTER) * everyMs;
  if (stallMs >= shortestIntervalMs) {
    throw conflict(
      `routingStallMs is ${stallMs} but stalls can start ${shortestIntervalMs} ms apart (routingStallEveryMs ${everyMs} minus 20%), so stalls would overlap`,
      `set routingStallMs below ${shortestIntervalMs}, or raise routingStallEveryMs`,
    );
  }
}

function optional(value: number | undefined, check: (value: number) => void): void {
  if (value !== undefined) check(value);
}

function requireNonNegative(name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw invalid(name, value, 'a finite number of ms >= 0');
}

function requirePositive(name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw invalid(name, value, 'a finite number > 0');
}

function requirePositiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw invalid(name, value, 'an integer >= 1');
}

function requireRate(name: string, value: number): void {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) throw invalid(name, value, 'a number from 0 to 1');
}

function invalid(name: string, value: unknown, allowed: string): UsageError {
  const shown = typeof value === 'number' ? String(value) : JSON.stringify(value);
  return new UsageError('VL_INVALID_OPTION', `${name} is ${shown}, expected ${allowed}`, `set ${name} to ${allowed}, or leave it out for the default`);
}

function conflict(message: string, hint: string): UsageError {
  return new UsageError('VL_OPTION_CONFLICT', message, hint);
}
