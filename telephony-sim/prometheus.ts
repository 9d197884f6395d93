import type { SwitchGauges, SwitchMetrics } from './metrics.js';
import type { RoutingGauges } from './routing.js';

/** Content type of the Prometheus text exposition format, version 0.0.4. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const PREFIX = 'voice_load_switch_';

type Labels = Record<string, string>;

interface Family {
  name: string;
  type: 'counter' | 'gauge';
  help: string;
  samples: Array<{ labels: Labels; value: number }>;
}

/** Renders the switch's counters and gauges in the Prometheus text exposition format. */
export function renderPrometheus(metrics: SwitchMetrics, gauges: SwitchGauges): string {
  const families: Family[] = [
    gauge('calls_active', 'Calls whose caller leg is open: queued, connecting or answered.', gauges.callsActive()),
    gauge('channels_in_use', 'Admitted calls holding a channel.', gauges.channelsInUse()),
    gauge('admission_queue_depth', 'Calls waiting in the admission queue.', gauges.admissionQueueDepth()),
    counter('calls_total', 'Calls ended, by outcome (the call record end_reason).', 'outcome', metrics.callsByOutcome),
    counter('rejections_total', 'Calls rejected, by reason.', 'reason', metrics.rejectionsByReason),
    counter('frames_forwarded_total', 'Frames delivered across the switch, by direction, including frames replaced with silence.', 'direction', metrics.framesForwarded),
    {
      name: 'frames_dropped_total',
      type: 'counter',
      help: 'Frames whose audio was dropped, by direction and cause: lost and late frames play as silence, not_answered frames are discarded.',
      samples: [...metrics.framesDropped].map(([key, value]) => {
        const [direction = '', cause = ''] = key.split('\u0000');
        return { labels: { direction, cause }, value };
      }),
    },
    counter('protocol_warnings_total', 'Invalid messages on either leg, by kind.', 'kind', metrics.protocolWarnings),
    ...routingFamilies(gauges.routing()),
  ];
  return families.map(renderFamily).join('');
}

/** Routing engine gauges, or none when the engine is off (unlimited workers). */
function routingFamilies(routing: RoutingGauges | undefined): Family[] {
  if (routing === undefined) return [];
  return [
    gauge('routing_workers', 'Workers of the routing engine.', routing.workers),
    gauge('routing_busy_workers', 'Routing workers running a setup or frame job, or every worker during a stall.', routing.busyWorkers),
    gauge('routing_queue_depth', 'Setup and frame jobs waiting for a routing worker.', routing.queueDepth),
    { name: 'routing_stalls_total', type: 'counter', help: 'Routing engine stalls started.', samples: [{ labels: {}, value: routing.stalls }] },
  ];
}

function gauge(name: string, help: string, value: number): Family {
  return { name, type: 'gauge', help, samples: [{ labels: {}, value }] };
}

function counter(name: string, help: string, label: string, values: ReadonlyMap<string, number>): Family {
  return { name, type: 'counter', help, samples: [...values].map(([key, value]) => ({ labels: { [label]: key }, value })) };
}

function renderFamily(family: Family): string {
  const name = PREFIX + family.name;
  const lines = [`# HELP ${name} ${family.help}`, `# TYPE ${name} ${family.type}`];
  for (const sample of family.samples) lines.push(`${name}${renderLabels(sample.labels)} ${sample.value}`);
  return lines.join('\n') + '\n';
}

function renderLabels(labels: Labels): string {
  const pairs = Object.entries(labels).map(([key, value]) => `${key}="${escapeLabelValue(value)}"`);
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
}

/** Escapes a label value as the exposition format requires: backslash, double quote and line feed. */
function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
