import { Writable } from 'node:stream';

import { pino } from 'pino';
import t from 'tap';

import { SwitchSampler, switchMetricsReader, type SwitchMetricsReader } from '../cli/embedded.js';
import { fetchSwitchMetrics, switchMetricsUrl } from '../cli/servers.js';
import { RealClock, silentLogger, VirtualClock, type Logger } from '../core/index.js';
import { parseSwitchMetricsText, startSwitchServer } from '../telephony-sim/index.js';
import { sampleSwitchMetrics, SwitchMetrics, type SwitchGauges } from '../telephony-sim/metrics.js';
import { renderPrometheus } from '../telephony-sim/prometheus.js';

/** Text as a switch with the routing engine on serves it, after a few calls. */
const FIXED_TEXT = `# HELP voice_load_switch_calls_active Calls whose caller leg is open: queued, connecting or answered.
# TYPE voice_load_switch_calls_active gauge
voice_load_switch_calls_active 3
# HELP voice_load_switch_channels_in_use Admitted calls holding a channel.
# TYPE voice_load_switch_channels_in_use gauge
voice_load_switch_channels_in_use 2
# TYPE voice_load_switch_admission_queue_depth gauge
voice_load_switch_admission_queue_depth 1
# TYPE voice_load_switch_calls_total counter
voice_load_switch_calls_total{outcome="completed"} 7
# TYPE voice_load_switch_rejections_total counter
voice_load_switch_rejections_total{reason="rejected_cps"} 4
voice_load_switch_rejections_total{reason="rejected_busy"} 1
# TYPE voice_load_switch_frames_forwarded_total counter
voice_load_switch_frames_forwarded_total{direction="uplink"} 1500
voice_load_switch_frames_forwarded_total{direction="downlink"} 1320
# TYPE voice_load_switch_frames_dropped_total counter
voice_load_switch_frames_dropped_total{direction="uplink",cause="lost"} 12
voice_load_switch_frames_dropped_total{direction="downlink",cause="late"} 5
voice_load_switch_frames_dropped_total{direction="uplink",cause="not_answered"} 2
# TYPE voice_load_switch_protocol_warnings_total counter
voice_load_switch_protocol_warnings_total{kind="invalid_json"} 2
# TYPE voice_load_switch_routing_workers gauge
voice_load_switch_routing_workers 4
# TYPE voice_load_switch_routing_busy_workers gauge
voice_load_switch_routing_busy_workers 3
# TYPE voice_load_switch_routing_queue_depth gauge
voice_load_switch_routing_queue_depth 6
# TYPE voice_load_switch_routing_stalls_total counter
voice_load_switch_routing_stalls_total 1
# TYPE process_cpu_seconds_total counter
process_cpu_seconds_total 0.25
`;

/** Creates a pino logger at warn level that appends each record to the returned array. */
function capturingLogger(): { logger: Logger; records: Array<Record<string, unknown>> } {
  const records: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      records.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'warn' }, sink), records };
}

t.test('parser reads a fixed text', async (t) => {
  t.same(parseSwitchMetricsText(FIXED_TEXT), {
    callsActive: 3,
    channelsInUse: 2,
    admissionQueueDepth: 1,
    rejectionsByReason: { rejected_cps: 4, rejected_busy: 1 },
    frames: {
      uplink: { forwarded: 1500, dropped: { lost: 12, late: 0, not_answered: 2 } },
      downlink: { forwarded: 1320, dropped: { lost: 0, late: 5, not_answered: 0 } },
    },
    routingWorkers: 4,
    routingQueueDepth: 6,
    routingBusyWorkers: 3,
    routingStalls: 1,
  });
});

t.test('parser leaves out missing families', async (t) => {
  const text = ['# TYPE voice_load_switch_calls_active gauge', 'voice_load_switch_calls_active 0', '# TYPE voice_load_switch_frames_forwarded_total counter', ''].join('\n');
  const parsed = parseSwitchMetricsText(text);

  t.same(parsed, { callsActive: 0 }, 'only the gauge that the text has');
  t.notOk('frames' in parsed, 'no frames without the dropped family');
  t.notOk('routingWorkers' in parsed, 'no routing fields without routing families');
});

t.test('parser reads declared empty counters as 0', async (t) => {
  const text = ['# TYPE voice_load_switch_rejections_total counter', '# TYPE voice_load_switch_frames_forwarded_total counter', '# TYPE voice_load_switch_frames_dropped_total counter', ''].join('\n');
  const zero = { forwarded: 0, dropped: { lost: 0, late: 0, not_answered: 0 } };

  t.same(parseSwitchMetricsText(text), { rejectionsByReason: {}, frames: { uplink: zero, downlink: zero } });
});

t.test('parser handles label escapes and special values', async (t) => {
  const text = [
    'voice_load_switch_rejections_total{reason="odd \\"quoted\\" \\\\ reason\\n"} 2 1700000000000',
    'voice_load_switch_calls_active{} +Inf',
    'voice_load_switch_channels_in_use NaN',
    'voice_load_switch_admission_queue_depth 1e3',
  ].join('\r\n');
  const parsed = parseSwitchMetricsText(text);

  t.same(parsed.rejectionsByReason, { 'odd "quoted" \\ reason\n': 2 }, 'label value unescaped, timestamp ignored');
  t.equal(parsed.callsActive, Infinity, '+Inf');
  t.ok(Number.isNaN(parsed.channelsInUse), 'NaN');
  t.equal(parsed.admissionQueueDepth, 1000, 'exponent notation');
});

t.test('parser rejects text without switch metrics', async (t) => {
  t.throws(() => parseSwitchMetricsText('<html><body>not found</body></html>'), /no voice_load_switch_\* metrics/);
  t.throws(() => parseSwitchMetricsText('# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total 1\n'), /no voice_load_switch_\* metrics/);
});

t.test('parser rejects malformed switch lines', async (t) => {
  const malformed = ['voice_load_switch_calls_active', 'voice_load_switch_calls_active three', 'voice_load_switch_rejections_total{reason="a" 1', 'voice_load_switch_rejections_total{reason=a} 1', 'voice_load_switch_calls_active{}1'];
  for (const line of malformed) t.throws(() => parseSwitchMetricsText(`${line}\n`), /invalid Prometheus sample on line 1/, line);
});

t.test('rendered text parses to the sample', async (t) => {
  const metrics = new SwitchMetrics();
  metrics.rejected('rejected_cps');
  metrics.rejected('unknown_number');
  metrics.rejected('unknown_number');
  for (let frame = 0; frame < 40; frame++) metrics.frameForwarded('uplink');
  metrics.frameForwarded('downlink');
  metrics.frameDropped('uplink', 'late');
  metrics.frameDropped('downlink', 'lost');
  metrics.frameDropped('downlink', 'not_answered');
  metrics.callEnded('completed');
  metrics.protocolWarning('invalid_json');

  const routing = { workers: 2, queueDepth: 5, busyWorkers: 2, stalls: 3 };
  const withRouting: SwitchGauges = { callsActive: () => 4, channelsInUse: () => 3, admissionQueueDepth: () => 1, routing: () => routing };
  const { at: _at, ...expected } = sampleSwitchMetrics(0, metrics, withRouting);
  t.same(parseSwitchMetricsText(renderPrometheus(metrics, withRouting)), expected, 'every field with the routing engine on');

  const withoutRouting: SwitchGauges = { ...withRouting, routing: () => undefined };
  const { at: _unused, routingWorkers, routingQueueDepth, routingBusyWorkers, routingStalls, ...expectedWithoutRouting } = sampleSwitchMetrics(0, metrics, withoutRouting);
  t.same([routingWorkers, routingQueueDepth, routingBusyWorkers, routingStalls], [null, 0, 0, 0], 'the sample fills routing fields for an engine that is off');
  t.same(parseSwitchMetricsText(renderPrometheus(metrics, withoutRouting)), expectedWithoutRouting, 'no routing fields with the engine off');
});

t.test('metrics URL sits beside the caller leg', async (t) => {
  const cases: Array<[string, string]> = [
    ['ws://127.0.0.1:8080/call', 'http://127.0.0.1:8080/metrics'],
    ['wss://switch.example:443/call', 'https://switch.example/metrics'],
    ['ws://[::1]:8080/call?trace=1', 'http://[::1]:8080/metrics'],
    ['ws://127.0.0.1:8080/voice/call', 'http://127.0.0.1:8080/voice/metrics'],
  ];
  for (const [switchUrl, expected] of cases) t.equal(switchMetricsUrl(switchUrl), expected, switchUrl);
});

t.test('sampler reads once a second', async (t) => {
  const clock = new VirtualClock({ startMs: 5000 });
  let reads = 0;
  const reader: SwitchMetricsReader = { source: 'counter', read: async () => ({ at: clock.now(), callsActive: reads++ }) };
  const sampler = new SwitchSampler(reader, clock, silentLogger());

  await clock.run({ untilMs: 8500 });
  await sampler.stop();
  await clock.run({ untilMs: 12_000 });

  t.same(sampler.samples.map((sample) => sample.run_ms), [0, 1000, 2000, 3000], 'run_ms from the sampler start, one per second');
  t.same(sampler.samples.map((sample) => sample.at), [5000, 6000, 7000, 8000], 'at from the reader');
  t.same(sampler.samples.map((sample) => sample.callsActive), [0, 1, 2, 3], 'fields from the reader');
  t.equal(reads, 4, 'no read after stop');
  t.equal(sampler.failedReads, 0, 'no failed read');
});

t.test('sampler warns once and goes on', async (t) => {
  const clock = new VirtualClock();
  const { logger, records } = capturingLogger();
  let reads = 0;
  const reader: SwitchMetricsReader = {
    source: 'flaky',
    read: async () => {
      reads++;
      if (reads === 2 || reads === 3) throw new Error('connection refused');
      return { callsActive: reads };
    },
  };
  const sampler = new SwitchSampler(reader, clock, logger);

  await clock.run({ untilMs: 4000 });
  await sampler.stop();

  t.same(sampler.samples.map((sample) => sample.run_ms), [0, 3000, 4000], 'the failed reads leave gaps');
  t.equal(sampler.failedReads, 2, 'both failures counted');
  t.equal(records.length, 1, 'one warning');
  t.match(records[0], { level: 40, source: 'flaky', err: { message: 'connection refused' } }, 'the warning names the source and the error');
});

t.test('sampler abandons a read at its deadline', async (t) => {
  const clock = new VirtualClock();
  const { logger, records } = capturingLogger();
  const aborted: unknown[] = [];
  let reads = 0;
  const reader: SwitchMetricsReader = {
    source: 'stuck',
    read: (signal) => {
      reads++;
      if (reads !== 1) return Promise.resolve({ callsActive: reads });
      signal.addEventListener('abort', () => aborted.push(signal.reason));
      // Never settles, as a reader that ignores its signal.
      return new Promise(() => undefined);
    },
  };
  const sampler = new SwitchSampler(reader, clock, logger);

  await clock.run({ untilMs: 2500 });
  await sampler.stop();

  t.same(sampler.samples.map((sample) => sample.run_ms), [1000, 2000], 'later reads go on');
  t.equal(aborted.length, 1, 'the stuck read was aborted');
  t.match(records[0], { source: 'stuck', err: { message: 'no reply from stuck within 1000 ms' } }, 'the warning says it timed out');
});

t.test('stop waits for a read in flight', async (t) => {
  const clock = new VirtualClock();
  let release: (() => void) | undefined;
  const reader: SwitchMetricsReader = {
    source: 'slow',
    read: () => new Promise((resolve) => (release = () => resolve({ callsActive: 9 }))),
  };
  const sampler = new SwitchSampler(reader, clock, silentLogger());
  await clock.run({ untilMs: 0 });

  const stopped = sampler.stop();
  release!();
  await stopped;
  t.same(sampler.samples, [{ run_ms: 0, callsActive: 9 }]);
});

t.test('HTTP reader parses a running switch', async (t) => {
  const clock = new RealClock();
  const withRouting = await startSwitchServer({ clock, routes: { '+15550100': 'ws://127.0.0.1:9/media' }, logger: silentLogger(), routingWorkers: 2 });
  t.teardown(() => withRouting.close());
  const plain = await startSwitchServer({ clock, routes: { '+15550100': 'ws://127.0.0.1:9/media' }, logger: silentLogger() });
  t.teardown(() => plain.close());

  const { at: _at, ...expected } = withRouting.core.sampleMetrics();
  t.same(await fetchSwitchMetrics(switchMetricsUrl(withRouting.url), new AbortController().signal), expected, 'every field of the sample');

  const reader = switchMetricsReader({ switchUrl: plain.url, agentUrl: undefined, close: async () => undefined }, clock);
  t.equal(reader.source, switchMetricsUrl(plain.url), 'reads GET /metrics of a switch without sampleSwitch');
  const before = clock.now();
  const sample = await reader.read(new AbortController().signal);
  t.ok(sample.at !== undefined && sample.at >= before && sample.at <= clock.now(), 'at is the time of the response');
  t.same(Object.keys(sample).sort(), ['admissionQueueDepth', 'at', 'callsActive', 'channelsInUse', 'frames', 'rejectionsByReason'], 'no routing fields with the engine off');
});

t.test('HTTP reader rejects a status other than 200', async (t) => {
  const server = await startSwitchServer({ clock: new RealClock(), routes: { '+15550100': 'ws://127.0.0.1:9/media' }, logger: silentLogger() });
  t.teardown(() => server.close());
  const missing = new URL('/no-such-path', switchMetricsUrl(server.url)).href;

  await t.rejects(fetchSwitchMetrics(missing, new AbortController().signal), { message: `GET ${missing} returned status 404, expected 200` });
});
