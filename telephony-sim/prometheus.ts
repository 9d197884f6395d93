import type { Direction, DirectionFrames, DropCause, SwitchGauges, SwitchMetrics, SwitchMetricsSample } from './metrics.js';
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

/** The fields of a SwitchMetricsSample that the Prometheus text carries: all but the clock time `at`. */
export type ParsedSwitchMetrics = Partial<Omit<SwitchMetricsSample, 'at'>>;

/** One parsed family of the switch: whether a `# TYPE` line declares it, and its series. */
interface ParsedFamily {
  declared: boolean;
  series: Array<{ labels: Labels; value: number }>;
}

/**
 * Parses the switch's metrics, as `renderPrometheus` writes them, back into
 * sample fields. A field whose families the text lacks is left out: a switch
 * without the routing engine exports no routing families, so its samples
 * have no routing fields. Inside a declared counter family, a label value
 * without a series reads as 0, because the switch exports each labelled
 * series from its first count on. Lines of other metrics are skipped.
 * Throws when a switch line is malformed or the text has no switch metrics.
 */
export function parseSwitchMetricsText(text: string): ParsedSwitchMetrics {
  const families = readSwitchFamilies(text);
  if (families.size === 0) throw new Error(`the text contains no ${PREFIX}* metrics`);

  const sample: ParsedSwitchMetrics = {};
  const callsActive = unlabelledValue(families, 'calls_active');
  if (callsActive !== undefined) sample.callsActive = callsActive;
  const channelsInUse = unlabelledValue(families, 'channels_in_use');
  if (channelsInUse !== undefined) sample.channelsInUse = channelsInUse;
  const admissionQueueDepth = unlabelledValue(families, 'admission_queue_depth');
  if (admissionQueueDepth !== undefined) sample.admissionQueueDepth = admissionQueueDepth;

  const rejections = families.get('rejections_total');
  if (rejections !== undefined) {
    sample.rejectionsByReason = Object.fromEntries(rejections.series.flatMap((series) => (series.labels['reason'] === undefined ? [] : [[series.labels['reason'], series.value]])));
  }

  const forwarded = families.get('frames_forwarded_total');
  const dropped = families.get('frames_dropped_total');
  if (forwarded !== undefined && dropped !== undefined) {
    sample.frames = { uplink: parsedDirectionFrames(forwarded, dropped, 'uplink'), downlink: parsedDirectionFrames(forwarded, dropped, 'downlink') };
  }

  const routingWorkers = unlabelledValue(families, 'routing_workers');
  if (routingWorkers !== undefined) sample.routingWorkers = routingWorkers;
  const routingQueueDepth = unlabelledValue(families, 'routing_queue_depth');
  if (routingQueueDepth !== undefined) sample.routingQueueDepth = routingQueueDepth;
  const routingBusyWorkers = unlabelledValue(families, 'routing_busy_workers');
  if (routingBusyWorkers !== undefined) sample.routingBusyWorkers = routingBusyWorkers;
  const routingStalls = unlabelledValue(families, 'routing_stalls_total');
  if (routingStalls !== undefined) sample.routingStalls = routingStalls;
  return sample;
}

function parsedDirectionFrames(forwarded: ParsedFamily, dropped: ParsedFamily, direction: Direction): DirectionFrames {
  const droppedBy = (cause: DropCause) => labelledValue(dropped, { direction, cause });
  return {
    forwarded: labelledValue(forwarded, { direction }),
    dropped: { lost: droppedBy('lost'), late: droppedBy('late'), not_answered: droppedBy('not_answered') },
  };
}

/** Returns the value of a family's series without labels, or undefined when the text has no such series. */
function unlabelledValue(families: ReadonlyMap<string, ParsedFamily>, name: string): number | undefined {
  return families.get(name)?.series.find((series) => Object.keys(series.labels).length === 0)?.value;
}

/** Returns the value of the series whose labels are exactly `labels`, or 0 when the family has none. */
function labelledValue(family: ParsedFamily, labels: Labels): number {
  const keys = Object.keys(labels);
  const match = family.series.find((series) => Object.keys(series.labels).length === keys.length && keys.every((key) => series.labels[key] === labels[key]));
  return match?.value ?? 0;
}

/** Collects the `voice_load_switch_*` families of the text, keyed by name without the prefix. */
function readSwitchFamilies(text: string): Map<string, ParsedFamily> {
  const families = new Map<string, ParsedFamily>();
  const family = (name: string) => {
    let found = families.get(name);
    if (found === undefined) {
      found = { declared: false, series: [] };
      families.set(name, found);
    }
    return found;
  };

  for (const [index, rawLine] of text.split('\n').entries()) {
    const line = rawLine.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      const type = /^#\s*TYPE\s+(\S+)\s+\S+$/.exec(line);
      if (type !== null && type[1]!.startsWith(PREFIX)) family(type[1]!.slice(PREFIX.length)).declared = true;
      continue;
    }
    if (!line.startsWith(PREFIX)) continue;

    const parsed = parseSampleLine(line);
    if (parsed === undefined) throw new Error(`invalid Prometheus sample on line ${index + 1}: ${line}`);
    family(parsed.name.slice(PREFIX.length)).series.push({ labels: parsed.labels, value: parsed.value });
  }
  return families;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_PAIR = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(,?)/;

/** Parses `name{label="value",...} value [timestamp]`, or returns undefined when the line has another form. */
function parseSampleLine(line: string): { name: string; labels: Labels; value: number } | undefined {
  const name = METRIC_NAME.exec(line)?.[0];
  if (name === undefined) return undefined;
  let rest = line.slice(name.length);

  const labels: Labels = {};
  if (rest.startsWith('{')) {
    rest = rest.slice(1);
    for (;;) {
      const close = /^\s*\}/.exec(rest);
      if (close !== null) {
        rest = rest.slice(close[0].length);
        break;
      }
      const pair = LABEL_PAIR.exec(rest);
      if (pair === null) return undefined;
      labels[pair[1]!] = unescapeLabelValue(pair[2]!);
      rest = rest.slice(pair[0].length);
      if (pair[3] === '' && !/^\s*\}/.test(rest)) return undefined;
    }
  }

  const fields = rest.trim().split(/\s+/);
  if (fields.length < 1 || fields.length > 2 || !/^\s/.test(rest)) return undefined;
  const value = parseSampleValue(fields[0]!);
  return value === undefined ? undefined : { name, labels, value };
}

/** Parses a sample value: a float, `NaN`, `+Inf` or `-Inf`. */
function parseSampleValue(text: string): number | undefined {
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  const value = Number(text);
  return text === '' || Number.isNaN(value) ? undefined : value;
}

/** Reverses `escapeLabelValue`. */
function unescapeLabelValue(value: string): string {
  return value.replace(/\\(.)/g, (_escape, character: string) => (character === 'n' ? '\n' : character));
}
