import { UsageError, type Clock, type Dialer, type Logger } from '../core/index.js';

/** Defaults for every switch option that has one. */
export const SWITCH_DEFAULTS = Object.freeze({
  /** Modelled network delay from the switch to the caller, recorded per turn. */
  downlinkDelayMs: 0,
  /** Maximum wait for the agent's WebSocket to open before the call is rejected. */
  agentConnectTimeoutMs: 10_000,
});

export interface SwitchOptions {
  clock: Clock;
  /** Opens the agent leg of each call. */
  dial: Dialer;
  /** Dialled number to the agent's WebSocket URL. */
  routes: Record<string, string>;
  logger: Logger;
  /** Seeds the generated Twilio ids, so a seeded run gets the same ids each time. */
  seed?: string | number;
  downlinkDelayMs?: number;
  agentConnectTimeoutMs?: number;
}

/** Options with defaults filled in, in a new object that leaves the caller's untouched. */
export interface ResolvedSwitchOptions {
  clock: Clock;
  dial: Dialer;
  routes: ReadonlyMap<string, string>;
  logger: Logger;
  seed: string | number | undefined;
  downlinkDelayMs: number;
  agentConnectTimeoutMs: number;
}

export function resolveSwitchOptions(options: SwitchOptions): ResolvedSwitchOptions {
  return {
    clock: options.clock,
    dial: options.dial,
    routes: new Map(Object.entries(options.routes)),
    logger: options.logger,
    seed: options.seed,
    downlinkDelayMs: options.downlinkDelayMs ?? SWITCH_DEFAULTS.downlinkDelayMs,
    agentConnectTimeoutMs: options.agentConnectTimeoutMs ?? SWITCH_DEFAULTS.agentConnectTimeoutMs,
  };
}

/** Checks the options a switch cannot run with and names the one at fault. */
export function validateSwitchOptions(options: ResolvedSwitchOptions): void {
  for (const [number, url] of options.routes) {
    if (!/^wss?:\/\//.test(url)) {
      throw new UsageError('VL_INVALID_ROUTE', `route for ${number} has URL ${JSON.stringify(url)}, which is not a WebSocket URL`, 'use a ws:// or wss:// URL');
    }
  }
  requireNonNegative('downlinkDelayMs', options.downlinkDelayMs);
  requireNonNegative('agentConnectTimeoutMs', options.agentConnectTimeoutMs);
}

function requireNonNegative(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) {
    throw new UsageError('VL_INVALID_OPTION', `${name} is ${value}, expected a finite number of ms >= 0`);
  }
}
