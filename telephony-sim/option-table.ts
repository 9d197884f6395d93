import type { SwitchModelOptions } from './options.js';

/** One user-facing switch option, for CLI flags and the README's option table. */
export interface SwitchOptionInfo {
  name: keyof SwitchModelOptions;
  flag: string;
  /** `calls/s`, `calls`, `ms` or `ratio` (0..1). */
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
]);
