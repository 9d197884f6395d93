import type { Clock, Dialer, Logger } from '../core/index.js';

/**
 * Defaults for every switch option that has one. Admission limits are
 * unlimited (undefined), the network model is off (zero) and the routing
 * engine is off (no worker limit), so the bundled demo runs unlimited and
 * without impairments.
 */
export const SWITCH_DEFAULTS = Object.freeze({
  /** New calls admitted per second; undefined admits every call at once. */
  callsPerSecond: undefined as number | undefined,
  /** Token bucket size; undefined means max(1, ceil(callsPerSecond)). */
  cpsBurst: undefined as number | undefined,
  /** Concurrent admitted calls; undefined is unlimited. */
  maxChannels: undefined as number | undefined,
  /** Maximum wait in the admission queue; 0 rejects over-limit calls at once. */
  admissionQueueMs: 0,
  /** Share of caller frames lost on the way to the switch, 0..1. */
  uplinkLossRate: 0,
  /** Share of agent frames lost on the way to the caller, 0..1. */
  downlinkLossRate: 0,
  /** One-way network delay of every caller-leg frame, each direction. */
  callerLegDelayMs: 0,
  /** Extra per-frame caller-leg delay, drawn uniformly from [0, callerLegJitterMs). */
  callerLegJitterMs: 0,
  /** Fixed jitter buffer depth at each receiving end of the caller leg. */
  jitterBufferMs: 0,
  /** One-way delay of every agent-leg message, each direction. */
  agentLegDelayMs: 0,
  /** Extra per-message agent-leg delay, drawn uniformly from [0, agentLegJitterMs). */
  agentLegJitterMs: 0,
  /** Maximum wait for the agent's WebSocket to open before the call is rejected. */
  agentConnectTimeoutMs: 10_000,
  /** Workers of the routing engine; undefined is unlimited, which turns the engine and every routing cost off. */
  routingWorkers: undefined as number | undefined,
  /** Worker time of one call's setup, after admission and before the agent leg opens. */
  routingSetupMs: 0,
  /** Worker time of one frame forwarded in either direction. */
  routingFrameMs: 0,
  /** Mean interval between routing stalls; undefined means no stalls. */
  routingStallEveryMs: undefined as number | undefined,
  /** Duration of each routing stall, during which no routing job progresses. */
  routingStallMs: 0,
  /** Time from the switch's start until the routing costs and stalls apply. */
  routingStartAfterMs: 0,
});

/**
 * A routing engine that bottlenecks under load: 4 workers, 250 ms of setup
 * per call, 0.6 ms per forwarded frame, and a 600 ms stall about every 4 s.
 * Each call forwards 50 frames per second each way, so the frames alone
 * keep 30% of the workers' time busy at 20 calls and 75% at 50. The backlog
 * a stall leaves takes longer to drain as that share grows, so slow turns
 * cluster after each stall and spread further with load. Setups that meet
 * a stall or a backlog wait too. In simulation of the bundled scenario at
 * its seed, p90 turn latency went from 1.7 s at 20 calls to 2.0 s at 50.
 * Without the engine it was 1.35 s and 1.38 s. The p90 setup time went
 * from 250 ms to 1 s.
 */
export const ROUTING_PROFILE = Object.freeze({
  routingWorkers: 4,
  routingSetupMs: 250,
  routingFrameMs: 0.6,
  routingStallEveryMs: 4000,
  routingStallMs: 600,
} satisfies SwitchModelOptions);

/** Admission limits, the network model and the routing engine: the switch settings a user tunes. */
export interface SwitchModelOptions {
  callsPerSecond?: number;
  cpsBurst?: number;
  maxChannels?: number;
  admissionQueueMs?: number;
  uplinkLossRate?: number;
  downlinkLossRate?: number;
  callerLegDelayMs?: number;
  callerLegJitterMs?: number;
  jitterBufferMs?: number;
  agentLegDelayMs?: number;
  agentLegJitterMs?: number;
  agentConnectTimeoutMs?: number;
  routingWorkers?: number;
  routingSetupMs?: number;
  routingFrameMs?: number;
  routingStallEveryMs?: number;
  routingStallMs?: number;
  routingStartAfterMs?: number;
}

export interface SwitchOptions extends SwitchModelOptions {
  clock: Clock;
  /** Opens the agent leg of each call. */
  dial: Dialer;
  /** Dialled number to the agent's WebSocket URL. */
  routes: Record<string, string>;
  logger: Logger;
  /** Seeds the generated Twilio ids and every random draw of the network model and the routing engine. */
  seed?: string | number;
}

/** Options with defaults filled in, in a new object that leaves the caller's untouched. */
export interface ResolvedSwitchOptions {
  clock: Clock;
  dial: Dialer;
  routes: ReadonlyMap<string, string>;
  logger: Logger;
  seed: string | number | undefined;
  callsPerSecond: number | undefined;
  /** Filled in whenever callsPerSecond is set. */
  cpsBurst: number | undefined;
  maxChannels: number | undefined;
  admissionQueueMs: number;
  uplinkLossRate: number;
  downlinkLossRate: number;
  callerLegDelayMs: number;
  callerLegJitterMs: number;
  jitterBufferMs: number;
  agentLegDelayMs: number;
  agentLegJitterMs: number;
  agentConnectTimeoutMs: number;
  routingWorkers: number | undefined;
  routingSetupMs: number;
  routingFrameMs: number;
  routingStallEveryMs: number | undefined;
  routingStallMs: number;
  routingStartAfterMs: number;
}

export function resolveSwitchOptions(options: SwitchOptions): ResolvedSwitchOptions {
  const defaults = SWITCH_DEFAULTS;
  const callsPerSecond = options.callsPerSecond ?? defaults.callsPerSecond;
  const defaultBurst = callsPerSecond === undefined ? undefined : Math.max(1, Math.ceil(callsPerSecond));

  return {
    clock: options.clock,
    dial: options.dial,
    routes: new Map(Object.entries(options.routes)),
    logger: options.logger,
    seed: options.seed,
    callsPerSecond,
    cpsBurst: options.cpsBurst ?? defaultBurst,
    maxChannels: options.maxChannels ?? defaults.maxChannels,
    admissionQueueMs: options.admissionQueueMs ?? defaults.admissionQueueMs,
    uplinkLossRate: options.uplinkLossRate ?? defaults.uplinkLossRate,
    downlinkLossRate: options.downlinkLossRate ?? defaults.downlinkLossRate,
    callerLegDelayMs: options.callerLegDelayMs ?? defaults.callerLegDelayMs,
    callerLegJitterMs: options.callerLegJitterMs ?? defaults.callerLegJitterMs,
    jitterBufferMs: options.jitterBufferMs ?? defaults.jitterBufferMs,
    agentLegDelayMs: options.agentLegDelayMs ?? defaults.agentLegDelayMs,
    agentLegJitterMs: options.agentLegJitterMs ?? defaults.agentLegJitterMs,
    agentConnectTimeoutMs: options.agentConnectTimeoutMs ?? defaults.agentConnectTimeoutMs,
    routingWorkers: options.routingWorkers ?? defaults.routingWorkers,
    routingSetupMs: options.routingSetupMs ?? defaults.routingSetupMs,
    routingFrameMs: options.routingFrameMs ?? defaults.routingFrameMs,
    routingStallEveryMs: options.routingStallEveryMs ?? defaults.routingStallEveryMs,
    routingStallMs: options.routingStallMs ?? defaults.routingStallMs,
    routingStartAfterMs: options.routingStartAfterMs ?? defaults.routingStartAfterMs,
  };
}
