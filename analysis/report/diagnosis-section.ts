import { num, pText } from '../diagnosis/common.js';
import type { Summary } from '../summary.js';
import { escapeHtml } from './format.js';
import type { StoredDiagnosis } from './run-files.js';

/** One finding of `findings.json` as the report shows it. A field of the wrong type is null or empty. */
export interface FindingView {
  mode: string;
  title: string;
  /** Heuristic score from 0 to 1, not a probability. */
  confidence: number | null;
  test: string | null;
  pValue: number | null;
  /** Significance level the test was held to. */
  alpha: number | null;
  effect: { name: string; value: number | null; unit: string; minimum: number | null } | null;
  /** Latency breakdown component that moved with the fault. */
  component: string | null;
  evidence: string[];
}

/** The diagnosis in `findings.json` as the report shows it. */
export interface DiagnosisView {
  findings: FindingView[];
  /** Modes that the run's data could not test, each with the reason. */
  insufficient: Array<{ mode: string; reason: string }>;
  modesTested: string[];
  /** Significance level of each test: the family alpha divided by the number of modes tested. */
  alpha: number | null;
}

const COMPONENT_LABELS: Record<string, string> = {
  agent_response: 'agent response',
  uplink: 'uplink',
  downlink: 'downlink',
  setup: 'call setup',
};

/** Converts a parsed `findings.json` into the fields the report shows, dropping values of the wrong type. */
export function diagnosisView(stored: StoredDiagnosis): DiagnosisView {
  return {
    findings: stored.findings.filter(isObject).map((finding) => findingView(finding)),
    insufficient: listOf(stored.insufficient)
      .filter(isObject)
      .map((entry) => ({ mode: textOf(entry['mode']) ?? 'unknown mode', reason: textOf(entry['reason']) ?? 'no reason given' })),
    modesTested: listOf(stored.modesTested).flatMap((mode) => (typeof mode === 'string' ? [mode] : [])),
    alpha: numberOf(stored.alpha),
  };
}

function findingView(finding: Record<string, unknown>): FindingView {
  const effect = finding['effect'];
  return {
    mode: textOf(finding['mode']) ?? 'unknown mode',
    title: textOf(finding['title']) ?? textOf(finding['mode']) ?? 'untitled finding',
    confidence: numberOf(finding['confidence']),
    test: textOf(finding['test']),
    pValue: numberOf(finding['pValue']),
    alpha: numberOf(finding['alpha']),
    effect: isObject(effect)
      ? { name: textOf(effect['name']) ?? 'effect', value: numberOf(effect['value']), unit: textOf(effect['unit']) ?? '', minimum: numberOf(effect['minimum']) }
      : null,
    component: textOf(finding['component']),
    evidence: listOf(finding['evidence']).flatMap((line) => (typeof line === 'string' ? [line] : [])),
  };
}

/**
 * Renders the Diagnosis section: each finding with its test, effect,
 * component and evidence, then the modes that could not be tested. With no
 * `findings.json` it states that the diagnosis was not recorded, and why when
 * `summary.generator` marks the run invalid.
 */
export function renderDiagnosisSection(diagnosis: DiagnosisView | null, generator: Summary['generator']): string {
  const body = diagnosis === null ? notRecorded(generator) : recorded(diagnosis);
  return `<h2>Diagnosis</h2>\n<section class="panel" id="diagnosis">${body}</section>`;
}

function notRecorded(generator: Summary['generator']): string {
  const invalid = generator !== null && typeof generator === 'object' && !generator.valid;
  const reason = invalid ? ' The run is invalid, and <code>voice-load run</code> does not diagnose an invalid run.' : '';
  return `<p id="diagnosis-not-recorded" class="muted">Diagnosis not recorded: this run folder has no findings.json.${reason} Run <code>voice-load analyze</code> on the folder and then <code>voice-load report</code> to add it.</p>`;
}

function recorded(diagnosis: DiagnosisView): string {
  const parts = [`<p class="meta">${escapeHtml(testedLine(diagnosis))}</p>`];
  if (diagnosis.findings.length === 0) {
    const scope = diagnosis.modesTested.length > 0 ? ` in the ${diagnosis.modesTested.length} modes tested.` : ': no mode could be tested with this run\'s data.';
    parts.push(`<p id="no-findings"><strong>No failure mode found</strong>${escapeHtml(scope)}</p>`);
  }
  parts.push(...diagnosis.findings.map((finding) => findingBlock(finding)));
  if (diagnosis.insufficient.length > 0) {
    const items = diagnosis.insufficient.map((entry) => `<li data-mode="${escapeHtml(entry.mode)}"><strong>${escapeHtml(entry.mode)}</strong>: ${escapeHtml(entry.reason)}</li>`);
    parts.push(`<h3>Not tested: insufficient data</h3><p class="muted">A mode listed here was not tested, which is not evidence that the run is free of it.</p><ul id="insufficient">${items.join('')}</ul>`);
  }
  return parts.join('\n');
}

function testedLine(diagnosis: DiagnosisView): string {
  const count = diagnosis.modesTested.length;
  if (count === 0) return 'No mode tested.';
  const modes = `${count} mode${count === 1 ? '' : 's'} tested (${diagnosis.modesTested.join(', ')})`;
  if (diagnosis.alpha === null) return `${modes}.`;
  return `${modes}, each at alpha ${num(diagnosis.alpha)}: the family alpha ${num(diagnosis.alpha * count)} divided by ${count} (Bonferroni).`;
}

function findingBlock(finding: FindingView): string {
  const facts: Array<[string, string]> = [['confidence', finding.confidence === null ? '-' : `${Math.round(finding.confidence * 100)}% (a heuristic score, not a probability)`]];
  facts.push(['test', `${finding.test ?? 'not named'}: ${significanceText(finding)}`]);
  if (finding.effect !== null) facts.push(['effect', effectText(finding.effect)]);
  facts.push(['component', finding.component === null ? 'none named' : (COMPONENT_LABELS[finding.component] ?? finding.component)]);
  const items = facts.map(([term, value]) => `<dt>${escapeHtml(term)}</dt><dd>${escapeHtml(value)}</dd>`);
  const evidence = finding.evidence.map((line) => `<li>${escapeHtml(line)}</li>`);
  return (
    `<div class="finding" data-mode="${escapeHtml(finding.mode)}">` +
    `<h3>${escapeHtml(finding.title)} <span class="muted">${escapeHtml(finding.mode)}</span></h3>` +
    `<dl class="facts">${items.join('')}</dl>` +
    (evidence.length === 0 ? '' : `<ul class="evidence">${evidence.join('')}</ul>`) +
    '</div>'
  );
}

/** Formats the p-value against alpha, such as `p = 0.0012, below alpha 0.00714`. */
function significanceText(finding: FindingView): string {
  if (finding.pValue === null) return 'no p-value';
  const p = `p = ${pText(finding.pValue)}`;
  if (finding.alpha === null) return p;
  return `${p}, ${finding.pValue < finding.alpha ? 'below' : 'not below'} alpha ${num(finding.alpha)}`;
}

/** Formats an effect and its minimum in the effect's unit, shares as percentages. */
function effectText(effect: NonNullable<FindingView['effect']>): string {
  const format = (value: number | null): string => {
    if (value === null) return '-';
    if (effect.unit === 'fraction') return `${num(value * 100)}%`;
    if (effect.unit === 'x') return `${num(value)}x`;
    return effect.unit === '' ? num(value) : `${num(value)} ${effect.unit}`;
  };
  return `${effect.name}: ${format(effect.value)}, minimum ${format(effect.minimum)}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function listOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function textOf(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function numberOf(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
