import type { Comparison, FigureChange } from '../compare.js';

const LABELS: Record<string, string> = {
  conv_latency: 'conversation latency',
  turn_latency: 'turn latency',
};

/** Renders a comparison as a plain-text table for the terminal, followed by the significance test. */
export function formatComparisonTable(comparison: Comparison): string {
  const rows: string[][] = [['', 'A', 'B', 'change', 'relative']];
  for (const figure of comparison.latency) rows.push(latencyRow(figure));
  rows.push(['completed rate', percent(comparison.completed_rate.a), percent(comparison.completed_rate.b), points(comparison.completed_rate.change), '']);
  for (const count of comparison.start_failures) {
    rows.push([`start failures: ${count.reason}`, String(count.a), String(count.b), signed(count.change, 0), '']);
  }

  const lines = [`A: ${comparison.a.dir} (${comparison.a.calls} calls${comparison.a.valid ? '' : ', INVALID RUN'})`, `B: ${comparison.b.dir} (${comparison.b.calls} calls${comparison.b.valid ? '' : ', INVALID RUN'})`, ''];
  lines.push(...alignColumns(rows), '', formatSignificance(comparison), formatFindings(comparison));
  if (comparison.latency.some((figure) => figure.censored.a || figure.censored.b)) lines.push('>= marks a figure that rests on a timed-out turn, so it is a lower bound.');
  return `${lines.join('\n')}\n`;
}

/** Formats the failure modes each run's diagnosis named, and which appeared or went away. */
export function formatFindings(comparison: Comparison): string {
  const { a, b } = comparison.findings ?? { a: null, b: null };
  const list = (modes: string[] | null): string => {
    if (modes === null) return 'not diagnosed';
    return modes.length === 0 ? 'none' : modes.join(', ');
  };
  const lines = [`Findings: A ${list(a)}; B ${list(b)}.`];
  if (a !== null && b !== null) {
    const added = b.filter((mode) => !a.includes(mode));
    const resolved = a.filter((mode) => !b.includes(mode));
    if (added.length > 0) lines.push(`New in B: ${added.join(', ')}.`);
    if (resolved.length > 0) lines.push(`Gone in B: ${resolved.join(', ')}.`);
  }
  return lines.join('\n');
}

/** Formats one sentence on the Mann-Whitney U test of the per-conversation latencies. */
export function formatSignificance(comparison: Comparison): string {
  const test = comparison.significance;
  if (test === null) return 'Mann-Whitney U on per-conversation latency: not run, because a run has no answered conversation.';
  const verdict = test.significant ? `B differs from A (p < ${test.alpha})` : `no significant difference at alpha ${test.alpha}`;
  return `Mann-Whitney U on per-conversation latency: U = ${test.u}, z = ${test.z.toFixed(2)}, p = ${formatP(test.p)} (n = ${test.n1} and ${test.n2}): ${verdict}.`;
}

/** Formats a p-value with 4 decimals, or as `< 0.0001`. */
export function formatP(p: number): string {
  return p < 0.0001 ? '< 0.0001' : p.toFixed(4);
}

function latencyRow(figure: FigureChange): string[] {
  const [key, name] = splitMetric(figure.metric);
  const value = (v: number | null, censored: boolean) => (v === null ? '-' : `${censored ? '>= ' : ''}${Math.round(v)}`);
  return [`${LABELS[key] ?? key} ${name} (ms)`, value(figure.a, figure.censored.a), value(figure.b, figure.censored.b), figure.change === null ? '-' : signed(figure.change, 0), figure.relative === null ? '-' : `${signed(figure.relative * 100, 1)}%`];
}

function splitMetric(metric: string): [string, string] {
  const cut = metric.lastIndexOf('_');
  return [metric.slice(0, cut), metric.slice(cut + 1)];
}

function percent(rate: number | null): string {
  return rate === null ? '-' : `${(rate * 100).toFixed(1)}%`;
}

function points(change: number | null): string {
  return change === null ? '-' : `${signed(change * 100, 1)} pts`;
}

/** Formats a change with its sign, `+12` or `-3.5`, and zero without one. */
export function signed(value: number, digits: number): string {
  const text = value.toFixed(digits);
  if (Number(text) === 0) return (0).toFixed(digits);
  return value > 0 ? `+${text}` : text;
}

function alignColumns(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ').trimEnd());
}
