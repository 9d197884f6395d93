export * from './summary.js';
export * from './table.js';
export * from './generator.js';
export * from './run-data.js';
