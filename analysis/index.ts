export * from './summary.js';
export * from './table.js';
