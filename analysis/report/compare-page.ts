import type { Comparison, FigureChange } from '../compare.js';
import { formatFindings, formatSignificance, signed } from './compare-text.js';
import { escapeHtml, jsonForScript } from './format.js';
import { REPORT_STYLE } from './style.js';

/** Per-conversation latencies of both runs, drawn as empirical distribution curves. */
export interface ComparisonSamples {
  a: number[];
  b: number[];
}

/** Draws both runs' cumulative distribution of per-conversation latency; needs no timer and no network. */
const COMPARE_SCRIPT = String.raw`
(function () {
  'use strict';
  var samples = JSON.parse(document.getElementById('compare-data').textContent);
  if (typeof Chart === 'undefined') return;
  function curve(values) {
    var sorted = values.slice().sort(function (x, y) { return x - y; });
    return sorted.map(function (value, index) { return { x: value, y: (index + 1) / sorted.length }; });
  }
  new Chart(document.getElementById('distribution'), {
    type: 'scatter',
    data: { datasets: [
      { label: 'A', data: curve(samples.a), showLine: true, stepped: true, borderColor: '#2563eb', backgroundColor: '#2563eb', pointRadius: 0 },
      { label: 'B', data: curve(samples.b), showLine: true, stepped: true, borderColor: '#d97706', backgroundColor: '#d97706', pointRadius: 0 }
    ] },
    options: { animation: false, maintainAspectRatio: false, scales: { x: { title: { display: true, text: 'mean turn-taking latency per conversation (ms)' } }, y: { min: 0, max: 1, title: { display: true, text: 'share of conversations at or below' } } } }
  });
})();
`;

/** Renders a comparison of two runs as one self-contained HTML document, with Chart.js inlined. */
export function renderComparePage(comparison: Comparison, samples: ComparisonSamples, chartLibrary: string): string {
  const banner = [comparison.a, comparison.b]
    .filter((run) => !run.valid)
    .map((run) => `<div class="banner invalid" role="alert">Invalid run: ${escapeHtml(run.dir)}: the load generator did not keep its schedule, so its figures are not trustworthy.</div>`)
    .join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>voice-load comparison: ${escapeHtml(comparison.a.name)} vs ${escapeHtml(comparison.b.name)}</title>
<style>${REPORT_STYLE}</style>
</head>
<body>
<main>
${banner}
<h1>${escapeHtml(comparison.a.name)} (A) against ${escapeHtml(comparison.b.name)} (B)</h1>
<p class="meta">A: ${escapeHtml(comparison.a.dir)}, ${comparison.a.calls} calls. B: ${escapeHtml(comparison.b.dir)}, ${comparison.b.calls} calls.</p>
<p id="significance"><strong>${escapeHtml(formatSignificance(comparison))}</strong></p>
<p id="findings">${escapeHtml(formatFindings(comparison)).replace(/\n/g, '<br>')}</p>
<div class="panel">${changeTable(comparison)}</div>
<h2>Per-conversation latency</h2>
<div class="panel"><div class="chart"><canvas id="distribution"></canvas></div></div>
</main>
<script type="application/json" id="compare-data">${jsonForScript(samples)}</script>
<script>${chartLibrary}</script>
<script>${COMPARE_SCRIPT}</script>
</body>
</html>
`;
}

function changeTable(comparison: Comparison): string {
  const rows = comparison.latency.map((figure) => latencyRow(figure));
  const rate = comparison.completed_rate;
  rows.push(
    `<tr data-metric="completed_rate"><td class="text">completed rate</td><td>${percent(rate.a)}</td><td>${percent(rate.b)}</td>` +
      `<td class="${direction(rate.change, false)}">${rate.change === null ? '-' : `${signed(rate.change * 100, 1)} pts`}</td><td></td></tr>`,
  );
  for (const count of comparison.start_failures) {
    rows.push(`<tr data-metric="start_failures_${escapeHtml(count.reason)}"><td class="text">start failures: ${escapeHtml(count.reason)}</td><td>${count.a}</td><td>${count.b}</td><td class="${direction(count.change, true)}">${signed(count.change, 0)}</td><td></td></tr>`);
  }
  return `<table id="changes"><thead><tr><th class="text"></th><th>A</th><th>B</th><th>change</th><th>relative</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function latencyRow(figure: FigureChange): string {
  const value = (v: number | null, censored: boolean) => (v === null ? '-' : `${censored ? '&gt;= ' : ''}${Math.round(v)}`);
  const label = figure.metric.replace(/^conv_latency_/, 'conversation latency ').replace(/^turn_latency_/, 'turn latency ');
  return (
    `<tr data-metric="${figure.metric}"><td class="text">${label} (ms)</td><td>${value(figure.a, figure.censored.a)}</td><td>${value(figure.b, figure.censored.b)}</td>` +
    `<td class="${direction(figure.change, true)}">${figure.change === null ? '-' : signed(figure.change, 0)}</td>` +
    `<td class="${direction(figure.change, true)}">${figure.relative === null ? '-' : `${signed(figure.relative * 100, 1)}%`}</td></tr>`
  );
}

/** CSS class of a change: `up` (worse) or `down` (better), given whether a rise is worse. */
function direction(change: number | null, riseIsWorse: boolean): string {
  if (change === null || change === 0) return '';
  return change > 0 === riseIsWorse ? 'up' : 'down';
}

function percent(rate: number | null): string {
  return rate === null ? '-' : `${(rate * 100).toFixed(1)}%`;
}
