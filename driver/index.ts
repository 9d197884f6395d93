export * from './scenario.js';
export * from './record.js';
export * from './meter.js';
export * from './call.js';
export * from './plan.js';
export * from './run.js';
export { GENERIC_FOLLOW_UPS } from './follow-ups.js';
export * from './generator.js';
export * from './pacing.js';
