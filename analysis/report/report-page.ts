import type { GeneratorHealth } from '../generator.js';
import type { Summary } from '../summary.js';
import { renderScoreCards, scoreCards } from './cards.js';
import { renderDiagnosisSection } from './diagnosis-section.js';
import { escapeHtml, formatLatency, formatMs, jsonForScript, LATENCY_FIGURES } from './format.js';
import type { BreakdownFigure, ReportModel } from './model.js';
import { REPORT_SCRIPT } from './report-script.js';
import { REPORT_STYLE } from './style.js';
import { renderSwitchSection } from './switch-section.js';

const BREAKDOWN_LABELS: Record<BreakdownFigure['component'], string> = {
  uplink_ms: 'uplink',
  agent_response_ms: 'agent response',
  playout_wait_ms: 'playout wait',
  downlink_ms: 'downlink',
};

const BREAKDOWN_NOTES = `<ul class="notes">
<li>uplink: the caller frame that holds the end of speech, from sent to forwarded to the agent</li>
<li>agent response: from that frame forwarded to the agent's first media</li>
<li>playout wait: from agent media received to its first frame sent to the caller</li>
<li>downlink: the modelled delay from the switch to the caller</li>
</ul>`;

/**
 * Renders the run report as one HTML document: the model as JSON, Chart.js
 * (`chartLibrary`, its UMD source) and the page script all inline, so the
 * file opens with no network.
 */
export function renderReportPage(model: ReportModel, chartLibrary: string): string {
  const summary = model.summary;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>voice-load report: ${escapeHtml(model.title)}</title>
<style>${REPORT_STYLE}</style>
</head>
<body>
<main>
${invalidBanner(summary.generator)}
<h1>${escapeHtml(model.title)}</h1>
<p class="meta">${runLine(model)}</p>
${renderScoreCards(scoreCards(summary))}
${renderDiagnosisSection(model.diagnosis, summary.generator)}
<h2>Latency</h2>
<div class="charts">
<div class="panel"><h3>Per-conversation latency</h3><div class="chart"><canvas id="histogram"></canvas></div></div>
<div class="panel"><h3>Turn latency over the run</h3><div class="chart"><canvas id="timeline"></canvas></div></div>
</div>
${turnLatencyTable(summary)}
<h2>Latency breakdown</h2>
<div class="charts">
<div class="panel"><div class="chart" style="height:160px"><canvas id="breakdown"></canvas></div></div>
<div class="panel">${breakdownTable(model.breakdown)}</div>
</div>
${model.switchMetrics === null ? '' : renderSwitchSection(model.switchMetrics)}
<h2>Calls and turns</h2>
${countsBlock(summary)}
<h2>Load generator</h2>
${generatorBlock(summary.generator)}
<h2>Calls</h2>
<p class="muted">Click a column header to sort, and a row to see the call's turns${model.calls.some((call) => call.recording !== null) ? ' and hear its recording' : ''}.</p>
<div class="table-wrap"><table id="calls"><thead></thead><tbody></tbody></table></div>
<section id="call-detail" class="panel" hidden></section>
</main>
<script type="application/json" id="report-data">${jsonForScript(model)}</script>
<script>${chartLibrary}</script>
<script>${REPORT_SCRIPT}</script>
</body>
</html>
`;
}

function invalidBanner(generator: Summary['generator']): string {
  if (generator === null || typeof generator === 'string' || generator.valid) return '';
  return `<div class="banner invalid" id="invalid-run" role="alert">Invalid run: the load generator did not keep its schedule, so these figures are not trustworthy. ${escapeHtml(generator.reasons.join('; '))}</div>`;
}

function runLine(model: ReportModel): string {
  const parts: string[] = [];
  if (model.run?.started_at !== undefined) parts.push(`started ${model.run.started_at}`);
  if (model.run?.finished_at !== undefined) parts.push(`finished ${model.run.finished_at}`);
  if (model.run?.scenario_path !== undefined) parts.push(`scenario ${model.run.scenario_path}`);
  if (model.run?.mode !== undefined) parts.push(`mode ${model.run.mode}`);
  parts.push(`turn timeout ${model.summary.turn_timeout_ms} ms`);
  return escapeHtml(parts.join(', '));
}

function turnLatencyTable(summary: Summary): string {
  const row = (label: string, stats: Summary['turn_latency'], count: string) => {
    const cells = LATENCY_FIGURES.map((figure) => `<td>${escapeHtml(formatLatency(stats, figure, summary.turn_timeout_ms))}</td>`);
    return `<tr><td>${label}</td>${cells.join('')}<td>${count}</td></tr>`;
  };
  const distribution = (label: string, stats: Summary['setup_ms']) =>
    `<tr><td>${label}</td><td>${formatMs(stats.mean)}</td><td>${formatMs(stats.p50)}</td><td>${formatMs(stats.p90)}</td><td>${formatMs(stats.p95)}</td><td>${formatMs(stats.p99)}</td><td>${stats.count}</td></tr>`;
  return `<div class="panel" style="margin-top:14px"><table id="latency-table">
<thead><tr><th></th><th>mean</th><th>p50</th><th>p90</th><th>p95</th><th>p99</th><th>answered/total</th></tr></thead>
<tbody>
${row('conversation latency (ms)', summary.conv_latency, `${summary.conv_latency.answered}/${summary.conv_latency.total}`)}
${row('turn latency (ms)', summary.turn_latency, `${summary.turn_latency.answered}/${summary.turn_latency.total}`)}
${distribution('time to greeting (ms)', summary.time_to_greeting_ms)}
${distribution('setup (ms)', summary.setup_ms)}
</tbody></table></div>`;
}

function breakdownTable(figures: BreakdownFigure[]): string {
  const rows = figures.map(
    (figure) => `<tr><td class="text">${escapeHtml(BREAKDOWN_LABELS[figure.component])}</td><td>${formatMs(figure.mean)}</td><td>${formatMs(figure.p50)}</td><td>${formatMs(figure.p90)}</td><td>${figure.count}</td></tr>`,
  );
  return `<table id="breakdown-table"><thead><tr><th class="text">part of turn latency (ms)</th><th>mean</th><th>p50</th><th>p90</th><th>turns</th></tr></thead><tbody>${rows.join('')}</tbody></table>${BREAKDOWN_NOTES}`;
}

function countsBlock(summary: Summary): string {
  const turns = summary.turns;
  const facts: Array<[string, string]> = [
    ['calls', `${summary.calls.total}, started ${summary.calls.started}, completed ${summary.calls.completed}`],
    ['turns', `${turns.total}, answered ${turns.answered}, timed out ${turns.timed_out}, talk-over ${turns.talk_over}, late answers ${turns.late_answers}, fragments ${turns.fragments}`],
    ['expected result', `heard ${summary.content.heard}, missing ${summary.content.missing}, not verified ${summary.content.not_verified}`],
    ['start failures', formatCounts(summary.start_failures)],
    ['not completed because', formatCounts(summary.not_completed_because)],
    ['end reasons', formatCounts(summary.end_reasons)],
  ];
  return definitionList(facts, 'counts');
}

function generatorBlock(generator: Summary['generator']): string {
  if (generator === null) return '<p id="generator" class="muted">not measured</p>';
  if (typeof generator === 'string') return `<p id="generator" class="muted">${escapeHtml(generator)}</p>`;
  return definitionList(generatorFacts(generator), 'generator');
}

function generatorFacts(generator: GeneratorHealth): Array<[string, string]> {
  return [
    ['verdict', generator.valid ? 'valid' : `INVALID: ${generator.reasons.join('; ')}`],
    ['send lag (ms)', `p50 ${generator.send_lag_ms.p50 ?? '-'}, p99 ${generator.send_lag_ms.p99 ?? '-'}`],
    ['receive lag (ms)', `p50 ${generator.receive_lag_ms.p50 ?? '-'}, p99 ${generator.receive_lag_ms.p99 ?? '-'}`],
    ['frames sent / expected', `${generator.frames_sent_ratio ?? '-'}`],
    ['event loop delay p99 (ms)', `${generator.event_loop_delay_ms.p99 ?? '-'}`],
  ];
}

function definitionList(facts: Array<[string, string]>, id: string): string {
  const items = facts.map(([term, value]) => `<dt>${escapeHtml(term)}</dt><dd>${escapeHtml(value)}</dd>`);
  return `<dl class="facts panel" id="${id}">${items.join('')}</dl>`;
}

function formatCounts(counts: Record<string, number>): string {
  const entries = Object.entries(counts);
  return entries.length === 0 ? 'none' : entries.map(([key, count]) => `${key} ${count}`).join(', ');
}
