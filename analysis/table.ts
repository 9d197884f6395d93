import type { LatencyStats, Summary } from './summary.js';

/** Renders the end-of-run summary as a plain-text table for the terminal. */
export function formatSummaryTable(summary: Summary): string {
  const lines: string[] = [];
  const header = ['', 'mean', 'p50', 'p90', 'p95', 'p99', 'answered/total'];
  const rows = [
    latencyRow('conversation latency (ms)', summary.conv_latency, summary.turn_timeout_ms),
    latencyRow('turn latency (ms)', summary.turn_latency, summary.turn_timeout_ms),
    distributionRow('time to greeting (ms)', summary.time_to_greeting_ms),
    distributionRow('setup (ms)', summary.setup_ms),
  ];
  lines.push(...alignColumns([header, ...rows]));
  lines.push('');
  lines.push(`calls: ${summary.calls.total}, started ${summary.calls.started}, completed ${summary.calls.completed} (${(summary.completed_rate * 100).toFixed(1)}%)`);
  lines.push(`turns: ${summary.turns.total}, answered ${summary.turns.answered}, timed out ${summary.turns.timed_out}, talk-over ${summary.turns.talk_over}, late answers ${summary.turns.late_answers}`);
  lines.push(`expected result heard: ${summary.content.heard}, missing ${summary.content.missing}, not verified ${summary.content.not_verified}`);
  lines.push(`start failures: ${formatCounts(summary.start_failures)}`);
  lines.push(`not completed because: ${formatCounts(summary.not_completed_because)}`);
  lines.push(formatGenerator(summary.generator));
  return lines.join('\n');
}

function latencyRow(label: string, stats: LatencyStats, turnTimeoutMs: number): string[] {
  const cell = (name: 'mean' | 'p50' | 'p90' | 'p95' | 'p99') => {
    const value = stats[name];
    if (value === null) return '-';
    return stats.censored.includes(name) ? `>=${Math.round(Math.min(value, turnTimeoutMs))}` : String(Math.round(value));
  };
  return [label, cell('mean'), cell('p50'), cell('p90'), cell('p95'), cell('p99'), `${stats.answered}/${stats.total}`];
}

function distributionRow(label: string, stats: Summary['setup_ms']): string[] {
  const cell = (value: number | null) => (value === null ? '-' : String(Math.round(value)));
  return [label, cell(stats.mean), cell(stats.p50), cell(stats.p90), cell(stats.p95), cell(stats.p99), `${stats.count}`];
}

function alignColumns(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  '));
}

function formatGenerator(generator: Summary['generator']): string {
  if (generator === null) return 'load generator: not measured';
  if (typeof generator === 'string') return `load generator: ${generator}`;
  const figures = `send lag p99 ${generator.send_lag_ms.p99 ?? '-'} ms, receive lag p99 ${generator.receive_lag_ms.p99 ?? '-'} ms, frames sent ${generator.frames_sent_ratio ?? '-'}, event loop delay p99 ${generator.event_loop_delay_ms.p99 ?? '-'} ms`;
  if (generator.valid) return `load generator: valid (${figures})`;
  return `load generator: INVALID RUN, the figures are not trustworthy: ${generator.reasons.join('; ')} (${figures})`;
}

function formatCounts(counts: Record<string, number>): string {
  const entries = Object.entries(counts);
  return entries.length === 0 ? 'none' : entries.map(([key, count]) => `${key} ${count}`).join(', ');
}
