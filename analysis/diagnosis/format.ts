import { num } from './common.js';
import type { Diagnosis } from './input.js';

/** Renders a diagnosis for the terminal: findings with their evidence, then modes not tested. */
export function formatDiagnosis(diagnosis: Diagnosis): string {
  const lines: string[] = [];
  lines.push(`Diagnosis: ${diagnosis.modesTested.length} modes tested at alpha ${num(diagnosis.alpha)} each (0.05 / ${diagnosis.modesTested.length}).`);
  if (diagnosis.findings.length === 0) {
    lines.push(diagnosis.modesTested.length > 0 ? 'No failure mode found in the modes tested.' : 'No mode could be tested.');
  }
  for (const finding of diagnosis.findings) {
    lines.push('');
    lines.push(`${finding.title} [${finding.mode}], confidence ${Math.round(finding.confidence * 100)}%`);
    const p = finding.pValue === null ? 'no p-value' : `p ${finding.pValue < 1e-4 ? finding.pValue.toExponential(1) : num(finding.pValue)}`;
    lines.push(`  test: ${finding.test} (${p}, alpha ${num(finding.alpha)})`);
    lines.push(`  effect: ${finding.effect.name} ${num(finding.effect.value)} ${finding.effect.unit} (minimum ${num(finding.effect.minimum)})`);
    if (finding.component !== null) lines.push(`  component: ${finding.component}`);
    for (const line of finding.evidence) lines.push(`  - ${line}`);
  }
  if (diagnosis.insufficient.length > 0) {
    lines.push('');
    lines.push('Not tested (insufficient data, not evidence of health):');
    for (const entry of diagnosis.insufficient) lines.push(`  ${entry.mode}: ${entry.reason}`);
  }
  return `${lines.join('\n')}\n`;
}
