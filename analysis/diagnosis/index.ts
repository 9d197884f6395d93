export * from './input.js';
export { diagnose } from './diagnose.js';
export { formatDiagnosis } from './format.js';
export { DIAGNOSIS_DEFAULTS, DIAGNOSIS_THRESHOLDS_DOC, type DiagnosisThresholds } from './thresholds.js';
