import type { DirectionFrames, SwitchMetricsSample } from '../../telephony-sim/index.js';
import { escapeHtml } from './format.js';

/** One line of a switch chart: a value per sample, null where the sample lacks it. */
export interface MetricSeries {
  label: string;
  values: Array<number | null>;
  /** True for a line drawn dashed, as a limit rather than a measured value. */
  dashed?: boolean;
  /** True for a line plotted against a second y axis on the right, as a count of another scale. */
  rightAxis?: boolean;
}

/** The switch's sampled metrics as chart series over the run. */
export interface SwitchMetricsView {
  /** Time of each sample, s from the start of the run. */
  seconds: number[];
  /** Gauges of calls read at each sample: active calls, channels in use and the admission queue. */
  calls: MetricSeries[];
  /** Routing engine gauges read at each sample, or null when the engine was off. */
  routing: MetricSeries[] | null;
  /** Counters since the switch started: rejections by reason and routing stalls. */
  counters: MetricSeries[];
  /** Frame counters of the last sample, or null when it has none. */
  frames: Record<'uplink' | 'downlink', DirectionFrames> | null;
}

/** A line of `switch-metrics.jsonl`: a switch sample and its time from the start of the run. */
type StoredSample = Partial<SwitchMetricsSample> & { run_ms: number };

type GaugeSpec = { key: keyof SwitchMetricsSample } & Omit<MetricSeries, 'values'>;

const CALL_GAUGES: readonly GaugeSpec[] = [
  { key: 'callsActive', label: 'active calls' },
  { key: 'channelsInUse', label: 'channels in use' },
  { key: 'admissionQueueDepth', label: 'admission queue' },
];

/** The routing queue contains frames as well as setups, so it can run to hundreds while the worker count stays small. */
const ROUTING_GAUGES: readonly GaugeSpec[] = [
  { key: 'routingBusyWorkers', label: 'busy workers' },
  { key: 'routingWorkers', label: 'workers', dashed: true },
  { key: 'routingQueueDepth', label: 'queue (right axis)', rightAxis: true },
];

/**
 * Builds chart series from the lines of `switch-metrics.jsonl`, in file
 * order. Lines without a numeric `run_ms` are skipped. The routing series
 * appear only when some sample has a routing worker count, because the
 * samples report the routing gauges as 0 when the routing engine is off.
 * Returns null when no line is usable.
 */
export function switchMetricsView(lines: readonly unknown[]): SwitchMetricsView | null {
  const samples = lines.filter(isSample);
  if (samples.length === 0) return null;

  const routingOn = samples.some((sample) => typeof sample.routingWorkers === 'number');
  const gaugeSeries = ({ key, ...style }: GaugeSpec): MetricSeries => ({ ...style, values: samples.map((sample) => numberOf(sample[key])) });

  const reasons = [...new Set(samples.flatMap((sample) => Object.keys(recordOf(sample.rejectionsByReason))))].sort();
  // A reason is absent from the samples taken before its first rejection, so its count there is 0.
  const counters: MetricSeries[] = reasons.map((reason) => ({
    label: reason,
    values: samples.map((sample) => numberOf(recordOf(sample.rejectionsByReason)[reason]) ?? (sample.rejectionsByReason === undefined ? null : 0)),
  }));
  if (routingOn) counters.push({ label: 'routing stalls', values: samples.map((sample) => numberOf(sample.routingStalls)) });

  return {
    seconds: samples.map((sample) => Math.round(sample.run_ms) / 1000),
    calls: CALL_GAUGES.map(gaugeSeries),
    routing: routingOn ? ROUTING_GAUGES.map(gaugeSeries) : null,
    counters,
    frames: lastFrames(samples[samples.length - 1]!),
  };
}

/**
 * Renders the switch section: a chart of the call gauges, one of the
 * routing gauges when the routing engine was on, and one of the counters.
 * A line replaces the counter chart when nothing was rejected. The frame
 * counts of the last sample follow. The page script draws into the canvases.
 */
export function renderSwitchSection(view: SwitchMetricsView): string {
  const count = view.seconds.length;
  const span = `${count} sample${count === 1 ? '' : 's'} from switch-metrics.jsonl, the last at ${view.seconds[count - 1]} s into the run`;
  const panels = [chartPanel('Calls and channels', 'switch-calls')];
  if (view.routing !== null) panels.push(chartPanel('Routing engine', 'switch-routing'));
  if (view.counters.length > 0) panels.push(chartPanel(view.routing === null ? 'Rejections by reason' : 'Rejections and routing stalls', 'switch-counters'));
  else panels.push('<div class="panel"><h3>Rejections by reason</h3><p id="switch-no-rejections" class="muted">The switch rejected no call while it was sampled.</p></div>');
  return `<h2>Switch over the run</h2>
<p class="meta">${escapeHtml(span)}</p>
<div class="charts" id="switch-metrics">
${panels.join('\n')}
</div>
${framesBlock(view)}`;
}

function chartPanel(title: string, canvasId: string): string {
  return `<div class="panel"><h3>${escapeHtml(title)}</h3><div class="chart"><canvas id="${canvasId}"></canvas></div></div>`;
}

function framesBlock(view: SwitchMetricsView): string {
  if (view.frames === null) return '';
  const line = (frames: DirectionFrames) => `forwarded ${frames.forwarded}, lost ${frames.dropped.lost}, late ${frames.dropped.late}, before answer ${frames.dropped.not_answered}`;
  const items = [
    ['uplink frames (caller to agent)', line(view.frames.uplink)],
    ['downlink frames (agent to caller)', line(view.frames.downlink)],
  ].map(([term, value]) => `<dt>${escapeHtml(term!)}</dt><dd>${escapeHtml(value!)}</dd>`);
  return `<dl class="facts panel" id="switch-frames" style="margin-top:14px">${items.join('')}</dl>`;
}

function lastFrames(sample: StoredSample): SwitchMetricsView['frames'] {
  const frames = recordOf(sample.frames);
  const direction = (name: string): DirectionFrames | null => {
    const entry = recordOf(frames[name]);
    const dropped = recordOf(entry['dropped']);
    const forwarded = numberOf(entry['forwarded']);
    if (forwarded === null) return null;
    return { forwarded, dropped: { lost: numberOf(dropped['lost']) ?? 0, late: numberOf(dropped['late']) ?? 0, not_answered: numberOf(dropped['not_answered']) ?? 0 } };
  };
  const uplink = direction('uplink');
  const downlink = direction('downlink');
  return uplink === null || downlink === null ? null : { uplink, downlink };
}

function isSample(value: unknown): value is StoredSample {
  return typeof value === 'object' && value !== null && typeof (value as { run_ms?: unknown }).run_ms === 'number' && Number.isFinite((value as { run_ms: number }).run_ms);
}

function recordOf(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function numberOf(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
