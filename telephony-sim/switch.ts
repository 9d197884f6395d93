import type { Link } from '../core/index.js';
import { Admission } from './admission.js';
import { Call } from './call.js';
import { createIdGenerator } from './ids.js';
import { sampleSwitchMetrics, SwitchMetrics, type SwitchGauges, type SwitchMetricsSample } from './metrics.js';
import { resolveSwitchOptions, type ResolvedSwitchOptions, type SwitchOptions } from './options.js';
import { renderPrometheus } from './prometheus.js';
import { RoutingEngine } from './routing.js';
import { validateSwitchOptions } from './validate.js';

/** The telephony switch core: transport-free, driven only by links, the dialer and the clock. */
export interface Switch {
  /** Takes a new caller-leg connection, whose first text message must be `dial`. */
  handleCallerLink(link: Link): void;
  /** Calls whose caller link was taken and that have not ended yet, queued ones included. */
  readonly activeCalls: number;
  /** Admitted calls holding a channel. */
  readonly channelsInUse: number;
  /** Calls waiting for admission. */
  readonly admissionQueueDepth: number;
  /** Running counters, updated as calls progress. */
  readonly metrics: SwitchMetrics;
  /** The counters and gauges in the Prometheus text exposition format. */
  metricsText(): string;
  /** Reads the counters and gauges now, as a new plain object. */
  sampleMetrics(): SwitchMetricsSample;
  /** Ends every call with `switch_closed` and rejects new caller links. */
  close(): Promise<void>;
}

/** Builds a switch after checking its options; throws a UsageError for invalid ones. */
export function createSwitch(options: SwitchOptions): Switch {
  validateSwitchOptions(options);
  const resolved = resolveSwitchOptions(options);

  const createIds = createIdGenerator(resolved.seed);
  const admission = new Admission(resolved.clock, resolved);
  const metrics = new SwitchMetrics();
  const routing = createRoutingEngine(resolved);
  const calls = new Set<Call>();
  const onEnd = (call: Call, reason: string) => {
    calls.delete(call);
    metrics.callEnded(reason);
  };
  let closed = false;
  const gauges: SwitchGauges = {
    callsActive: () => calls.size,
    channelsInUse: () => admission.channelsInUse,
    admissionQueueDepth: () => admission.queueDepth,
    routing: () => routing?.gauges(),
  };

  const core: Switch = {
    handleCallerLink(link: Link): void {
      if (closed || !link.open) {
        resolved.logger.warn({ switchClosed: closed, linkOpen: link.open }, 'caller link not accepted');
        link.close(1001, 'switch closed');
        return;
      }
      calls.add(new Call(link, { options: resolved, admission, metrics, routing, createIds, onEnd }));
    },

    get activeCalls(): number {
      return calls.size;
    },

    get channelsInUse(): number {
      return admission.channelsInUse;
    },

    get admissionQueueDepth(): number {
      return admission.queueDepth;
    },

    metrics,

    metricsText(): string {
      return renderPrometheus(metrics, gauges);
    },

    sampleMetrics(): SwitchMetricsSample {
      return sampleSwitchMetrics(resolved.clock.now(), metrics, gauges);
    },

    async close(): Promise<void> {
      closed = true;
      for (const call of [...calls]) call.end('switch_closed');
      admission.close();
    },
  };
  return core;
}

/** Builds the routing engine when routingWorkers limits it; unlimited workers leave it off. */
function createRoutingEngine(options: ResolvedSwitchOptions): RoutingEngine | undefined {
  if (options.routingWorkers === undefined) return undefined;
  const settings = {
    workers: options.routingWorkers,
    setupMs: options.routingSetupMs,
    frameMs: options.routingFrameMs,
    stallEveryMs: options.routingStallEveryMs,
    stallMs: options.routingStallMs,
    startAfterMs: options.routingStartAfterMs,
  };
  return new RoutingEngine(options.clock, settings, options.seed);
}
