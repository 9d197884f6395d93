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

function increment<K>(map: Map<K, number>, key: K): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}
