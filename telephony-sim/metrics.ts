import type { RoutingGauges } from './routing.js';

/** Direction of caller-leg audio: `uplink` is caller to agent, `downlink` agent to caller. */
export type Direction = 'uplink' | 'downlink';

/**
 * Cause of a frame's audio not reaching the far end. The network model
 * replaces `lost` and `late` frames with silence. `not_answered` frames
 * arrived before the call was connected and were discarded.
 */
export type DropCause = 'lost' | 'late' | 'not_answered';

/** Live gauges that the switch computes on demand. */
export interface SwitchGauges {
  callsActive(): number;
  channelsInUse(): number;
  admissionQueueDepth(): number;
  /** Undefined when the routing engine is off (unlimited workers). */
  routing(): RoutingGauges | undefined;
}

/** Frame counts of one direction, by what happened to the frame. */
export interface DirectionFrames {
  /** Frames delivered across the switch, including frames replaced with silence. */
  forwarded: number;
  /** Dropped frames by cause: `lost` and `late` frames play as silence, `not_answered` frames are discarded. */
  dropped: Record<DropCause, number>;
}

/**
 * A snapshot of the switch's counters and gauges as plain data, to sample
 * during a run. Counters count from the switch's start.
 */
export interface SwitchMetricsSample {
  /** Clock time of the sample, ms. */
  at: number;
  callsActive: number;
  channelsInUse: number;
  admissionQueueDepth: number;
  /** Calls rejected so far, by reason (`rejected_cps`, `rejected_busy`, `unknown_number`, ...). */
  rejectionsByReason: Record<string, number>;
  frames: Record<Direction, DirectionFrames>;
  /** Routing engine gauges, all 0 when the engine is off; `routingWorkers` is then null (unlimited). */
  routingWorkers: number | null;
  routingQueueDepth: number;
  routingBusyWorkers: number;
  routingStalls: number;
}

/**
 * Running counters of one switch. Calls update them as events happen, so
 * a scrape of `GET /metrics` during a run reads the current values.
 */
export class SwitchMetrics {
  readonly callsByOutcome = new Map<string, number>();
  readonly rejectionsByReason = new Map<string, number>();
  readonly framesForwarded = new Map<Direction, number>();
  readonly framesDropped = new Map<string, number>();
  readonly protocolWarnings = new Map<string, number>();

  callEnded(outcome: string): void {
    increment(this.callsByOutcome, outcome);
  }

  rejected(reason: string): void {
    increment(this.rejectionsByReason, reason);
  }

  frameForwarded(direction: Direction): void {
    increment(this.framesForwarded, direction);
  }

  frameDropped(direction: Direction, cause: DropCause): void {
    increment(this.framesDropped, `${direction}\u0000${cause}`);
  }

  protocolWarning(kind: string): void {
    increment(this.protocolWarnings, kind);
  }
}

/** Builds a sample of the counters in `metrics` and the gauges read now. */
export function sampleSwitchMetrics(at: number, metrics: SwitchMetrics, gauges: SwitchGauges): SwitchMetricsSample {
  const routing = gauges.routing();
  return {
    at,
    callsActive: gauges.callsActive(),
    channelsInUse: gauges.channelsInUse(),
    admissionQueueDepth: gauges.admissionQueueDepth(),
    rejectionsByReason: Object.fromEntries(metrics.rejectionsByReason),
    frames: { uplink: directionFrames(metrics, 'uplink'), downlink: directionFrames(metrics, 'downlink') },
    routingWorkers: routing?.workers ?? null,
    routingQueueDepth: routing?.queueDepth ?? 0,
    routingBusyWorkers: routing?.busyWorkers ?? 0,
    routingStalls: routing?.stalls ?? 0,
  };
}

function directionFrames(metrics: SwitchMetrics, direction: Direction): DirectionFrames {
  const dropped = (cause: DropCause) => metrics.framesDropped.get(`${direction}\u0000${cause}`) ?? 0;
  return {
    forwarded: metrics.framesForwarded.get(direction) ?? 0,
    dropped: { lost: dropped('lost'), late: dropped('late'), not_answered: dropped('not_answered') },
  };
}

function increment<K>(map: Map<K, number>, key: K): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}
