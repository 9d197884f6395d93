import type { RunListing } from '../results-reader.js';
import { escapeHtml, formatLatency, formatPercent } from './format.js';
import { REPORT_STYLE } from './style.js';

/** Renders the `voice-load serve` index page: one row per run folder, each linking to its report. */
export function renderDashboardPage(title: string, runs: RunListing[]): string {
  const rows = runs.map((run) => runRow(run));
  const body = runs.length === 0 ? '<p class="muted">No run folders here yet. Run <code>voice-load run --out DIR/NAME</code> to add one.</p>' : `<div class="table-wrap"><table id="runs"><thead><tr><th class="text">run</th><th class="text">started</th><th>calls</th><th>completed</th><th>conversation latency p90 (ms)</th><th class="text">load generator</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>voice-load runs: ${escapeHtml(title)}</title>
<style>${REPORT_STYLE}</style>
</head>
<body>
<main>
<h1>voice-load runs</h1>
<p class="meta">${escapeHtml(title)}, ${runs.length} run${runs.length === 1 ? '' : 's'}, newest first</p>
${body}
</main>
</body>
</html>
`;
}

function runRow(run: RunListing): string {
  const link = `<a href="${encodeURIComponent(run.name)}/report.html">${escapeHtml(run.name)}</a>`;
  const started = escapeHtml(run.started_at ?? '-');
  const summary = run.summary;
  if (summary === null) {
    return `<tr data-run="${escapeHtml(run.name)}"><td class="text">${escapeHtml(run.name)}</td><td class="text">${started}</td><td colspan="4" class="text bad">unreadable: ${escapeHtml(run.error ?? 'unknown error')}</td></tr>`;
  }
  const generator = summary.generator;
  let verdict = 'not measured';
  if (typeof generator === 'string') verdict = generator;
  else if (generator !== null) verdict = generator.valid ? 'valid' : 'INVALID RUN';
  return (
    `<tr data-run="${escapeHtml(run.name)}"><td class="text">${link}</td><td class="text">${started}</td><td>${summary.calls.total}</td>` +
    `<td>${formatPercent(summary.calls.total === 0 ? null : summary.completed_rate)}</td>` +
    `<td>${escapeHtml(formatLatency(summary.conv_latency, 'p90', summary.turn_timeout_ms))}</td>` +
    `<td class="text${verdict === 'INVALID RUN' ? ' bad' : ''}">${escapeHtml(verdict)}</td></tr>`
  );
}
