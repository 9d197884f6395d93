export * from './codec.js';
export * from './frames.js';
export * from './library.js';
export * from './vad.js';
export * from './wav.js';
