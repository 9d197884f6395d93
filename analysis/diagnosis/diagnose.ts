import type { Detector } from './common.js';
import { cpsLimitDetector } from './cps-limit.js';
import type { Diagnosis, DiagnosisInput, Finding, FindingMode, InsufficientData } from './input.js';
import { latencyHighDetector } from './latency-high.js';
import { leakDetector } from './leak.js';
import { routingDetector } from './routing.js';
import { saturationDetector } from './saturation.js';
import { slowPathDetector } from './slow-path.js';
import { DIAGNOSIS_DEFAULTS, type DiagnosisThresholds } from './thresholds.js';
import { timeoutsDetector } from './timeouts.js';
import { ttsLimitDetector } from './tts-limit.js';

/** The seven named failure modes, in the order findings are listed. */
const MODE_DETECTORS: readonly Detector[] = Object.freeze([
  saturationDetector,
  leakDetector,
  ttsLimitDetector,
  timeoutsDetector,
  slowPathDetector,
  cpsLimitDetector,
  routingDetector,
]);

/**
 * Names the failure modes behind a run or a sweep. Every mode the input
 * can support is tested at alpha = familyAlpha / k, k being the number of
 * modes tested (Bonferroni); a mode it cannot support is listed in
 * `insufficient` with the reason. When saturation cannot be tested (no
 * sweep of enough levels), high latency is tested as well and reported as
 * `latency-high-undetermined` only if no other mode was found.
 * Deterministic: bootstrap and permutation draws are seeded from
 * `thresholds.seed`.
 */
export function diagnose(input: DiagnosisInput, thresholds: Readonly<DiagnosisThresholds> = DIAGNOSIS_DEFAULTS): Diagnosis {
  const tested: Detector[] = [];
  const insufficient: InsufficientData[] = [];
  for (const detector of MODE_DETECTORS) {
    const reason = detector.insufficientReason(input, thresholds);
    if (reason === null) tested.push(detector);
    else insufficient.push({ mode: detector.mode, reason });
  }
  if (!tested.includes(saturationDetector)) {
    const reason = latencyHighDetector.insufficientReason(input, thresholds);
    if (reason === null) tested.push(latencyHighDetector);
    else insufficient.push({ mode: latencyHighDetector.mode, reason });
  }

  const alpha = tested.length === 0 ? thresholds.familyAlpha : thresholds.familyAlpha / tested.length;
  const results = tested.map((detector) => detector.detect(input, { alpha, thresholds })).filter((finding): finding is Finding => finding !== null);
  const named = results.filter((finding) => finding.mode !== 'latency-high-undetermined');
  const findings = named.length > 0 ? named : results;
  const modesTested: FindingMode[] = tested.map((detector) => detector.mode);
  return { findings, insufficient, modesTested, alpha };
}
