import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { chromium, type BrowserContext } from 'playwright-core';
import t, { type Test } from 'tap';

import { chartLibrarySource } from '../analysis/report/chart-library.js';
import { buildReportModel, renderReportPage, writeReport } from '../analysis/report/index.js';
import { readRunResults } from '../analysis/results-reader.js';
import { encodeMulaw } from '../audio/index.js';
import { CallRecorder, recordingPath } from '../driver/recorder.js';
import { CPS_FINDING, NO_FINDINGS, ONE_FINDING, switchSamples, writeFindings, writeSwitchMetrics } from './helpers/report-files.js';
import { INVALID_GENERATOR, writeRunFolder, type CallSpec } from './helpers/run-fixture.js';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const SPECS: CallSpec[] = [
  { id: 'c01', turns: [900, 1100, 1000] },
  { id: 'c02', turns: [1400, 1300, 1500] },
  { id: 'c03', turns: [700, 800, 750] },
  { id: 'c04', turns: [1200, 'timeout', 1100] },
  { id: 'c05', turns: [1000, 'talk_over', 950] },
  { id: 'c06', startFailure: 'agent_unreachable' },
  { id: 'c07', turns: [2100, 1900, 2000] },
  { id: 'c08', turns: [1050, 1000, 1100], expectedResult: 'Say </script><script>window.injected = 1</script> please' },
  { id: 'c09', turns: [600, 650, 700] },
  { id: 'c10', turns: [1600, 1550, 1500] },
];

/** Writes a two-second recording for `callId`: a 440 Hz tone from the caller, then one from the agent. */
function writeToneRecording(dir: string, callId: string): void {
  const recorder = new CallRecorder(callId, 1000);
  const frame = (hz: number, index: number) => {
    const samples = new Int16Array(160);
    for (let i = 0; i < 160; i++) samples[i] = Math.round(8000 * Math.sin((2 * Math.PI * hz * (index * 160 + i)) / 8000));
    return encodeMulaw(samples);
  };
  for (let index = 0; index < 50; index++) recorder.caller(1000 + index * 20, frame(440, index));
  for (let index = 0; index < 50; index++) recorder.agent(2000 + index * 20, frame(660, index));
  mkdirSync(join(dir, 'recordings'), { recursive: true });
  writeFileSync(recordingPath(dir, callId), recorder.toWav());
}

async function openBrowser(t: Test): Promise<BrowserContext> {
  const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'voice-load-chromium-')), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
  });
  t.teardown(() => context.close());
  return context;
}

t.test('report embeds data and escapes script ends', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'voice-load-report-'));
  writeRunFolder(dir, SPECS);
  const html = readFileSync(writeReport(dir), 'utf8');

  t.equal(html.match(/<\/script>/g)?.length, 3, 'only the three script elements close');
  t.notMatch(html, /window\.injected = 1<\/script>/, 'a result text cannot close a script element');
  t.notMatch(html, /<script[^>]+src=/, 'no script is loaded from elsewhere');
  t.notMatch(html.replace(chartLibrarySource(), ''), /https?:\/\/(?!www\.w3\.org\/2000\/svg)/, 'no URL outside the chart library but the SVG namespace');
  t.notMatch(html, /id="invalid-run"/, 'a valid run has no invalid banner');
});

t.test('report model keeps every call and its recording', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'voice-load-report-'));
  writeRunFolder(dir, SPECS);
  writeToneRecording(dir, 'c01');
  const model = buildReportModel(readRunResults(dir));

  t.equal(model.calls.length, SPECS.length);
  t.equal(model.calls.find((call) => call.call_id === 'c01')?.recording, 'recordings/c01.wav');
  t.equal(model.calls.find((call) => call.call_id === 'c02')?.recording, null, 'no file, no recording');
  const binned = model.histogram.answered.reduce((sum, count) => sum + count, 0) + model.histogram.censored.reduce((sum, count) => sum + count, 0);
  t.equal(binned, 9, 'histogram holds every started call');
  t.equal(model.histogram.censored.reduce((sum, count) => sum + count, 0), 1, 'one conversation has a timed-out turn');
  t.equal(model.timeline.timedOut.length, 1);
  t.equal(model.timeline.talkOver.length, 1);
  t.equal(model.timeline.answered.length, 25, '27 turns less a timeout and a talk-over');
  const uplink = model.breakdown.find((figure) => figure.component === 'uplink_ms');
  t.equal(uplink?.mean, 10, 'breakdown mean of the uplink');
});

t.test('invalid run shows a banner', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'voice-load-report-'));
  writeRunFolder(dir, SPECS.slice(0, 3), { generator: INVALID_GENERATOR });
  const html = readFileSync(writeReport(dir), 'utf8');

  t.match(html, /<div class="banner invalid" id="invalid-run" role="alert">Invalid run/);
  t.match(html, /send lag p99 25 ms is over 10 ms/, 'banner names the reason');
  t.ok(html.indexOf('id="invalid-run"') < html.indexOf('id="score-cards"'), 'banner comes before the score cards');
});

/** Returns the HTML of the Diagnosis section, from its heading to the next section's. */
function diagnosisSection(html: string): string {
  const start = html.indexOf('<h2>Diagnosis</h2>');
  return start < 0 ? '' : html.slice(start, html.indexOf('<h2>Latency</h2>', start));
}

t.test('diagnosis section lists a finding', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'voice-load-report-'));
  writeRunFolder(dir, SPECS);
  writeFindings(dir, ONE_FINDING);
  const html = readFileSync(writeReport(dir), 'utf8');
  const section = diagnosisSection(html);

  t.ok(html.indexOf('id="score-cards"') < html.indexOf('id="diagnosis"'), 'section follows the score cards');
  t.ok(html.indexOf('id="diagnosis"') < html.indexOf('<h2>Latency</h2>'), 'section comes before the latency charts');
  t.match(section, '<div class="finding" data-mode="cps-limit"><h3>Telephony rate limit: the switch rejects calls', 'finding title');
  t.match(section, '<dd>87% (a heuristic score, not a probability)</dd>', 'confidence');
  t.match(section, 'background share of 0.1%: p = 0.0012, below alpha 0.00714</dd>', 'test and p-value against alpha');
  t.match(section, '<dd>rejected share of attempted dials: 30%, minimum 1%</dd>', 'effect against its minimum');
  t.match(section, '<dt>component</dt><dd>call setup</dd>', 'breakdown component');
  t.match(section, '<li>3 of 10 attempted dials (30%) were rejected by the switch: rejected_cps 3.</li>', 'first evidence line');
  t.match(section, '<li>Reason &lt;b&gt;bold&lt;/b&gt; &lt;/script&gt;&lt;script&gt;window.injected = 2&lt;/script&gt; &amp; more.</li>', 'evidence is escaped');
  t.match(section, '7 modes tested (leak, tts-limit, timeouts, slow-path, cps-limit, routing, latency-high-undetermined), each at alpha 0.00714', 'modes tested and alpha');
  t.match(section, '<li data-mode="saturation"><strong>saturation</strong>: needs a sweep over at least 3 concurrency levels, got 1</li>', 'insufficient mode and its reason');
  t.notMatch(section, 'No failure mode found');
  t.notMatch(section, 'not recorded');
  t.equal(html.match(/<\/script>/g)?.length, 3, 'the evidence cannot close a script element');

  const model = buildReportModel(readRunResults(dir));
  t.same(model.diagnosis?.findings.map((finding) => finding.title), [CPS_FINDING.title]);
  t.same(model.diagnosis?.findings[0]?.evidence, CPS_FINDING.evidence);
  t.same(model.diagnosis?.insufficient, ONE_FINDING.insufficient);
});

t.test('diagnosis with no findings', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'voice-load-report-'));
  writeRunFolder(dir, SPECS.slice(0, 3));
  writeFindings(dir, NO_FINDINGS);
  const section = diagnosisSection(readFileSync(writeReport(dir), 'utf8'));

  t.match(section, '<p id="no-findings"><strong>No failure mode found</strong> in the 4 modes tested.</p>');
  t.notMatch(section, 'class="finding"', 'no finding block');
  t.notMatch(section, 'id="insufficient"', 'no list of untested modes');
});

t.test('diagnosis where no mode was testable', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'voice-load-report-'));
  writeRunFolder(dir, SPECS.slice(0, 3));
  writeFindings(dir, { findings: [], insufficient: [{ mode: 'cps-limit', reason: 'no dial was rejected' }], modesTested: [], alpha: 0.05 });
  const section = diagnosisSection(readFileSync(writeReport(dir), 'utf8'));

  t.match(section, 'No mode tested.');
  t.match(section, '<strong>No failure mode found</strong>: no mode could be tested with this run&#39;s data.');
  t.match(section, '<li data-mode="cps-limit"><strong>cps-limit</strong>: no dial was rejected</li>');
});

t.test('missing findings.json says not recorded', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'voice-load-report-'));
  writeRunFolder(dir, SPECS.slice(0, 3));
  const html = readFileSync(writeReport(dir), 'utf8');

  t.equal(buildReportModel(readRunResults(dir)).diagnosis, null);
  t.match(diagnosisSection(html), '<p id="diagnosis-not-recorded" class="muted">Diagnosis not recorded: this run folder has no findings.json.');
  t.notMatch(diagnosisSection(html), 'invalid', 'a valid run gives no reason');
  t.match(html, 'id="score-cards"', 'the rest of the report renders');
});

t.test('invalid run without findings.json says why', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'voice-load-report-'));
  writeRunFolder(dir, SPECS.slice(0, 3), { generator: INVALID_GENERATOR });
  const section = diagnosisSection(readFileSync(writeReport(dir), 'utf8'));

  t.match(section, 'Diagnosis not recorded');
  t.match(section, 'The run is invalid, and <code>voice-load run</code> does not diagnose an invalid run.');
});

t.test('findings.json with odd field types', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'voice-load-report-'));
  writeRunFolder(dir, SPECS.slice(0, 3));
  writeFindings(dir, { findings: [{ mode: 'leak', title: '<i>drift</i>', confidence: 'high', pValue: null, effect: 'large', evidence: 'one line', component: null }, 'not a finding'] });
  const section = diagnosisSection(readFileSync(writeReport(dir), 'utf8'));

  t.match(section, '<h3>&lt;i&gt;drift&lt;/i&gt; <span class="muted">leak</span></h3>', 'title is escaped');
  t.match(section, '<dt>confidence</dt><dd>-</dd>', 'a confidence that is not a number shows as -');
  t.match(section, '<dt>test</dt><dd>not named: no p-value</dd>');
  t.notMatch(section, '<dt>effect</dt>', 'an effect that is not an object is left out');
  t.match(section, '<dt>component</dt><dd>none named</dd>');
  t.notMatch(section, 'class="evidence"', 'evidence that is not a list is left out');
  t.equal(section.match(/class="finding"/g)?.length, 1, 'a list entry that is not an object is skipped');
  t.match(section, 'No mode tested.', 'a missing modesTested counts as none');
});

t.test('damaged findings.json is rejected', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'voice-load-report-'));
  writeRunFolder(dir, SPECS.slice(0, 3));
  writeFileSync(join(dir, 'findings.json'), '{"findings": [');
  t.throws(() => writeReport(dir), { code: 'VL_RESULTS_INVALID', message: /findings\.json is not valid JSON/ });

  writeFindings(dir, { modes: [] });
  t.throws(() => writeReport(dir), { code: 'VL_RESULTS_INVALID', message: /findings\.json is not a diagnosis: it has no findings list/ });
});

t.test('switch chart only with switch-metrics.jsonl', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'voice-load-report-'));
  writeRunFolder(dir, SPECS.slice(0, 3));
  const without = readFileSync(writeReport(dir), 'utf8');
  t.equal(buildReportModel(readRunResults(dir)).switchMetrics, null, 'no file, no series');
  t.notMatch(without, 'Switch over the run', 'no file, no section');
  t.notMatch(without, 'id="switch-', 'no file, no canvas');

  writeSwitchMetrics(dir, switchSamples([0, 3, 5, 4, 0]));
  const html = readFileSync(writeReport(dir), 'utf8');
  t.match(html, '<h2>Switch over the run</h2>');
  t.match(html, '5 samples from switch-metrics.jsonl, the last at 4 s into the run');
  t.match(html, '<canvas id="switch-calls"></canvas>');
  t.match(html, '<canvas id="switch-counters"></canvas>');
  t.notMatch(html, 'id="switch-routing"', 'no routing chart with the engine off');
  t.match(html, '<dd>forwarded 0, lost 4, late 0, before answer 1</dd>', 'uplink frames of the last sample');
  t.ok(html.indexOf('<h2>Latency breakdown</h2>') < html.indexOf('<h2>Switch over the run</h2>'), 'section follows the latency breakdown');

  const view = buildReportModel(readRunResults(dir)).switchMetrics;
  t.same(view?.seconds, [0, 1, 2, 3, 4]);
  t.same(view?.calls.map((series) => series.label), ['active calls', 'channels in use', 'admission queue']);
  t.same(view?.calls[0]?.values, [0, 3, 5, 4, 0], 'active calls per sample');
  t.same(view?.calls[2]?.values, [0, 2, 0, 0, 0], 'admission queue per sample');
  t.equal(view?.routing, null);
  t.same(view?.counters, [{ label: 'rejected_cps', values: [0, 0, 1, 2, 3] }], 'a reason counts 0 before its first rejection');
});

t.test('switch chart with the routing engine on', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'voice-load-report-'));
  writeRunFolder(dir, SPECS.slice(0, 3));
  writeSwitchMetrics(dir, switchSamples([0, 3, 5, 4], 2), '{"run_ms": 4000, "callsAct');
  const html = readFileSync(writeReport(dir), 'utf8');
  const view = buildReportModel(readRunResults(dir)).switchMetrics;

  t.same(view?.seconds, [0, 1, 2, 3], 'a last line cut short is skipped');
  t.match(html, '<canvas id="switch-routing"></canvas>');
  t.match(html, '<h3>Rejections and routing stalls</h3>');
  t.same(view?.routing?.map((series) => series.label), ['busy workers', 'workers', 'queue (right axis)']);
  t.same(view?.routing?.[0]?.values, [0, 2, 2, 2], 'busy workers capped at the worker count');
  t.equal(view?.routing?.[1]?.dashed, true, 'worker count drawn as a limit');
  t.equal(view?.routing?.[2]?.rightAxis, true, 'queue on its own axis');
  t.same(view?.counters.at(-1), { label: 'routing stalls', values: [0, 0, 1, 1] });
});

t.test('switch metrics without rejections', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'voice-load-report-'));
  writeRunFolder(dir, SPECS.slice(0, 3));
  writeSwitchMetrics(dir, switchSamples([0, 3]));
  const html = readFileSync(writeReport(dir), 'utf8');

  t.match(html, '<p id="switch-no-rejections" class="muted">The switch rejected no call while it was sampled.</p>');
  t.notMatch(html, 'id="switch-counters"', 'no counter chart to draw');
});

t.test('damaged switch-metrics.jsonl', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'voice-load-report-'));
  writeRunFolder(dir, SPECS.slice(0, 3));
  writeFileSync(join(dir, 'switch-metrics.jsonl'), '{"run_ms": 0\n{"run_ms": 1000}\n');
  t.throws(() => writeReport(dir), { code: 'VL_RESULTS_INVALID', message: /switch-metrics\.jsonl line 1 is not valid JSON/ });

  writeSwitchMetrics(dir, [{ at: 0 }, 'text', null]);
  const model = buildReportModel(readRunResults(dir));
  t.equal(model.switchMetrics, null, 'no line with a run_ms, no series');
  t.notMatch(renderReportPage(model, ''), 'Switch over the run');
});

t.test('report in a browser', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'voice-load-report-'));
  const { summary, records } = writeRunFolder(dir, SPECS);
  writeToneRecording(dir, 'c01');
  writeFindings(dir, ONE_FINDING);
  writeSwitchMetrics(dir, switchSamples([0, 3, 5, 4, 0], 2));
  const reportUrl = pathToFileURL(writeReport(dir)).href;

  const context = await openBrowser(t);
  const page = await context.newPage();
  const outside: string[] = [];
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:')) return route.continue();
    outside.push(url);
    return route.abort();
  });
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(reportUrl);

  t.test('score cards match summary.json', async (t) => {
    const card = (metric: string) => page.locator(`[data-metric="${metric}"] .value`).textContent();
    for (const figure of ['mean', 'p50', 'p90', 'p95', 'p99'] as const) {
      const value = summary.conv_latency[figure]!;
      const expected = summary.conv_latency.censored.includes(figure) ? `>= ${Math.round(Math.min(value, summary.turn_timeout_ms))} ms` : `${Math.round(value)} ms`;
      t.equal(await card(`conv_latency_${figure}`), expected, `conv_latency ${figure}`);
    }
    t.equal(await card('completed_rate'), `${(summary.completed_rate * 100).toFixed(1)}%`);
    t.equal(await card('start_failure_rate'), '10.0%', 'one start failure in ten calls');
    t.equal(await card('time_to_greeting_ms_p50'), `${Math.round(summary.time_to_greeting_ms.p50!)} ms`);
    t.equal(await page.locator('[data-metric="conv_latency_p50"] .detail').textContent(), `answered/total ${summary.conv_latency.answered}/${summary.conv_latency.total}`);
  });

  t.test('charts are drawn', async (t) => {
    const charts = await page.evaluate("['histogram', 'timeline', 'breakdown', 'switch-calls', 'switch-routing', 'switch-counters'].map((id) => Boolean(window.Chart.getChart(id)))");
    t.same(charts, [true, true, true, true, true, true]);
  });

  t.test('switch charts hold the samples', async (t) => {
    const calls = await page.evaluate("window.Chart.getChart('switch-calls').data.datasets.map((set) => set.label + ': ' + set.data.map((point) => point.x + '=' + point.y).join(' '))");
    t.same(calls, ['active calls: 0=0 1=3 2=5 3=4 4=0', 'channels in use: 0=0 1=3 2=5 3=4 4=0', 'admission queue: 0=0 1=2 2=0 3=0 4=0']);
    const axis = await page.evaluate("window.Chart.getChart('switch-routing').data.datasets.map((set) => set.yAxisID)");
    t.same(axis, ['y', 'y', 'right'], 'routing queue on the right axis');
    const counters = await page.evaluate("window.Chart.getChart('switch-counters').data.datasets.map((set) => set.label)");
    t.same(counters, ['rejected_cps', 'routing stalls']);
  });

  t.test('diagnosis shows the finding', async (t) => {
    t.equal(await page.locator('#diagnosis .finding h3').count(), 1, 'one finding');
    t.match((await page.locator('#diagnosis .finding h3').textContent()) ?? '', /^Telephony rate limit: the switch rejects calls/);
    t.same(await page.locator('#diagnosis ul.evidence li').allTextContents(), CPS_FINDING.evidence, 'evidence reads as text');
    t.ok(await page.locator('#diagnosis').isVisible(), 'section is visible');
  });

  t.test('table sorts by a column', async (t) => {
    const latencies = () => page.locator('#calls tbody td[data-key="avg_latency_ms"]').allTextContents();
    const byLatency = records.filter((record) => record.avg_turn_taking_latency_ms !== null).sort((a, b) => a.avg_turn_taking_latency_ms! - b.avg_turn_taking_latency_ms!);

    await page.click('#calls th[data-key="avg_latency_ms"]');
    const ascending = await latencies();
    t.same(ascending.slice(0, byLatency.length).map((text) => Number(text.replace('>= ', ''))), byLatency.map((record) => Math.round(record.avg_turn_taking_latency_ms!)), 'ascending order');
    t.equal(ascending.at(-1), '-', 'the call without latency sorts last');
    t.equal(await page.getAttribute('#calls th[data-key="avg_latency_ms"]', 'aria-sort'), 'ascending');

    await page.click('#calls th[data-key="avg_latency_ms"]');
    const descending = await latencies();
    t.equal(Number(descending[0]!.replace('>= ', '')), Math.round(byLatency.at(-1)!.avg_turn_taking_latency_ms!), 'second click puts the slowest first');

    await page.click('#calls th[data-key="call_id"]');
    t.same(await page.locator('#calls tbody td[data-key="call_id"]').allTextContents(), SPECS.map((spec) => spec.id), 'text column sorts by call id');
  });

  t.test('call detail plays its recording', async (t) => {
    await page.click('#calls tbody tr[data-call-id="c01"]');
    t.equal(await page.locator('#call-detail h2').textContent(), 'Call c01');
    t.equal(await page.locator('#call-detail table.turns tbody tr').count(), 3, 'one row per turn');
    t.equal(await page.locator('#call-detail svg.call-timeline rect').count(), 6, 'caller and agent bar per turn');

    await page.click('#play-recording');
    await page.waitForFunction("document.getElementById('call-audio') !== null && !document.getElementById('call-audio').paused");
    t.equal(await page.evaluate("document.getElementById('call-audio').paused"), false, 'audio is playing');
    t.equal(await page.evaluate("Math.round(document.getElementById('call-audio').duration * 10) / 10"), 2, 'recording lasts 2 s');
    await page.screenshot({ path: join(dir, 'report.png'), fullPage: true });
    t.comment(`screenshot: ${join(dir, 'report.png')}`);
  });

  t.test('call without recording shows no player', async (t) => {
    await page.click('#calls tbody tr[data-call-id="c04"]');
    t.equal(await page.locator('#call-audio').count(), 0);
    t.match((await page.locator('#call-detail svg.call-timeline').textContent()) ?? '', /timed out/, 'timeline marks the timed-out turn');
  });

  t.test('page stays offline and error free', async (t) => {
    t.same(outside, [], 'no request left the file');
    t.same(errors, [], 'no script error');
    t.equal(await page.evaluate('typeof window.injected'), 'undefined', 'no injected script ran');
  });
});
