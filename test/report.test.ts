import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { chromium, type BrowserContext } from 'playwright-core';
import t, { type Test } from 'tap';

import { chartLibrarySource } from '../analysis/report/chart-library.js';
import { buildReportModel, writeReport } from '../analysis/report/index.js';
import { readRunResults } from '../analysis/results-reader.js';
import { encodeMulaw } from '../audio/index.js';
import { CallRecorder, recordingPath } from '../driver/recorder.js';
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

t.test('report in a browser', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'voice-load-report-'));
  const { summary, records } = writeRunFolder(dir, SPECS);
  writeToneRecording(dir, 'c01');
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
    const charts = await page.evaluate("['histogram', 'timeline', 'breakdown'].map((id) => Boolean(window.Chart.getChart(id)))");
    t.same(charts, [true, true, true]);
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
