import type { Summary } from '../summary.js';
import { escapeHtml, formatLatency, formatMs, formatPercent, LATENCY_FIGURES } from './format.js';

/** One score card: `metric` is the threshold metric name the card shows. */
export interface ScoreCard {
  metric: string;
  label: string;
  value: string;
  detail: string;
  /** Marks a card whose figure is a lower bound or a failure share above zero. */
  warn: boolean;
}

/** Builds the score cards at the top of the report from the run summary. */
export function scoreCards(summary: Summary): ScoreCard[] {
  const latency = summary.conv_latency;
  const cards: ScoreCard[] = LATENCY_FIGURES.map((figure) => ({
    metric: `conv_latency_${figure}`,
    label: `conversation latency ${figure}`,
    value: withUnit(formatLatency(latency, figure, summary.turn_timeout_ms), 'ms'),
    detail: `answered/total ${latency.answered}/${latency.total}`,
    warn: latency.censored.includes(figure),
  }));

  const calls = summary.calls;
  const startFailures = calls.total - calls.started;
  cards.push({
    metric: 'completed_rate',
    label: 'completed',
    value: formatPercent(calls.total === 0 ? null : summary.completed_rate),
    detail: `${calls.completed} of ${calls.total} calls`,
    warn: calls.completed < calls.total,
  });
  cards.push({
    metric: 'start_failure_rate',
    label: 'start failures',
    value: formatPercent(calls.total === 0 ? null : startFailures / calls.total),
    detail: startFailures === 0 ? 'every call started' : formatReasons(summary.start_failures),
    warn: startFailures > 0,
  });
  cards.push({
    metric: 'time_to_greeting_ms_p50',
    label: 'time to greeting p50',
    value: withUnit(formatMs(summary.time_to_greeting_ms.p50), 'ms'),
    detail: `p90 ${formatMs(summary.time_to_greeting_ms.p90)} ms, ${summary.time_to_greeting_ms.count} calls`,
    warn: false,
  });
  return cards;
}

/** Renders the score cards as HTML. */
export function renderScoreCards(cards: ScoreCard[]): string {
  const items = cards.map(
    (card) =>
      `<div class="card${card.warn ? ' warn' : ''}" data-metric="${escapeHtml(card.metric)}">` +
      `<div class="label">${escapeHtml(card.label)}</div>` +
      `<div class="value">${escapeHtml(card.value)}</div>` +
      `<div class="detail">${escapeHtml(card.detail)}</div></div>`,
  );
  return `<section class="cards" id="score-cards">${items.join('')}</section>`;
}

function withUnit(text: string, unit: string): string {
  return text === '-' ? text : `${text} ${unit}`;
}

function formatReasons(counts: Record<string, number>): string {
  return Object.entries(counts)
    .map(([reason, count]) => `${reason} ${count}`)
    .join(', ');
}
