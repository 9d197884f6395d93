import { LagHistogram } from '../core/index.js';
import type { GeneratorSink } from './call.js';

/** The load generator's own timing over a whole run, as raw figures. */
export interface GeneratorStats {
  sendLagMs: { p50: number | null; p99: number | null; count: number };
  receiveLagMs: { p50: number | null; p99: number | null; count: number };
  framesSent: number;
  framesExpected: number;
  eventLoopDelayP99Ms: number | null;
}

/** Pools every call's frame lags into run-wide histograms. */
export class GeneratorMeter implements GeneratorSink {
  private readonly send = new LagHistogram();
  private readonly receive = new LagHistogram();
  private framesSent = 0;
  private framesExpected = 0;

  sendLag(lagMs: number): void {
    this.send.add(lagMs);
  }

  receiveLag(lagMs: number): void {
    this.receive.add(lagMs);
  }

  frames(sent: number, expected: number): void {
    this.framesSent += sent;
    this.framesExpected += expected;
  }

  stats(eventLoopDelayP99Ms: number | null): GeneratorStats {
    return {
      sendLagMs: { p50: this.send.quantile(0.5), p99: this.send.quantile(0.99), count: this.send.count },
      receiveLagMs: { p50: this.receive.quantile(0.5), p99: this.receive.quantile(0.99), count: this.receive.count },
      framesSent: this.framesSent,
      framesExpected: this.framesExpected,
      eventLoopDelayP99Ms: eventLoopDelayP99Ms,
    };
  }
}
