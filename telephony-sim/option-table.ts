import type { SwitchModelOptions } from './options.js';

/** One user-facing switch option, for CLI flags and the README's option table. */
export interface SwitchOptionInfo {
  name: keyof SwitchModelOptions;
  flag: string;
  /** `calls/s`, `calls`, `workers`, `ms` or `ratio` (0..1). */
  unit: string;
  /** Default as shown to users. */
  default: string;
  description: string;
}

/** The switch options a user tunes, in the order the help text lists them. */
export const SWITCH_OPTION_TABLE: readonly SwitchOptionInfo[] = Object.freeze([
  { name: 'callsPerSecond', flag: '--cps', unit: 'calls/s', default: 'unlimited', description: 'New calls admitted per second (token bucket). Over the limit a call is rejected with 503 rejected_cps, or queued.' },
  { name: 'cpsBurst', flag: '--cps-burst', unit: 'calls', default: 'ceil(cps)', description: 'Token bucket size: calls admitted at once after an idle period. Needs --cps.' },
  { name: 'maxChannels', flag: '--channels', unit: 'calls', default: 'unlimited', description: 'Concurrent calls. Over the limit a call is rejected with 486 rejected_busy, or queued.' },
  { name: 'admissionQueueMs', flag: '--admission-queue-ms', unit: 'ms', default: '0', description: 'Maximum wait, first in first out, of a call over a limit before it is rejected. 0 rejects at once. Needs --cps or --channels.' },
  { name: 'uplinkLossRate', flag: '--uplink-loss', unit: 'ratio', default: '0', description: 'Share of caller frames lost on the way to the agent; each is replaced with silence.' },
  { name: 'downlinkLossRate', flag: '--downlink-loss', unit: 'ratio', default: '0', description: 'Share of agent frames lost on the way to the caller; each is replaced with silence.' },
  { name: 'callerLegDelayMs', flag: '--caller-leg-delay-ms', unit: 'ms', default: '0', description: 'One-way network delay of caller-leg audio, each direction.' },
  { name: 'callerLegJitterMs', flag: '--caller-leg-jitter-ms', unit: 'ms', default: '0', description: 'Per-frame extra caller-leg delay, uniform in [0, value). Needs --jitter-buffer-ms.' },
  { name: 'jitterBufferMs', flag: '--jitter-buffer-ms', unit: 'ms', default: '0', description: 'Fixed jitter buffer at each end of the caller leg. Adds its depth to the delay; a frame later than it plays as silence.' },
  { name: 'agentLegDelayMs', flag: '--agent-leg-delay-ms', unit: 'ms', default: '0', description: 'One-way delay of every agent-leg message, each direction. Order is kept and nothing is lost, as on TCP.' },
  { name: 'agentLegJitterMs', flag: '--agent-leg-jitter-ms', unit: 'ms', default: '0', description: 'Per-message extra agent-leg delay, uniform in [0, value), never reordering messages.' },
  { name: 'routingWorkers', flag: '--routing-workers', unit: 'workers', default: 'unlimited', description: 'Workers of the routing engine, which serves call setups and forwarded frames first in first out. Unlimited turns the engine off.' },
  { name: 'routingSetupMs', flag: '--routing-setup-ms', unit: 'ms', default: '0', description: 'Worker time of each call setup, added to setup time and longer when setups queue. Needs --routing-workers.' },
  { name: 'routingFrameMs', flag: '--routing-frame-ms', unit: 'ms', default: '0', description: 'Worker time of each frame forwarded in either direction, added to uplink and downlink delay. Needs --routing-workers.' },
  { name: 'routingStallEveryMs', flag: '--routing-stall-every-ms', unit: 'ms', default: 'no stalls', description: 'Mean interval between routing stalls, varied by up to 20% either way. Needs --routing-workers and --routing-stall-ms.' },
  { name: 'routingStallMs', flag: '--routing-stall-ms', unit: 'ms', default: '0', description: 'Duration of each routing stall, during which the frames and setups of every call wait. Needs --routing-stall-every-ms.' },
  { name: 'routingStartAfterMs', flag: '--routing-start-after-ms', unit: 'ms', default: '0', description: 'Time from the switch\'s start until routing costs and stalls apply. Needs --routing-workers.' },
]);
