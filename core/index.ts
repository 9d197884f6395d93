export * from './clock.js';
export * from './link.js';
export * from './errors.js';
export * from './logging.js';
export * from './caller-leg.js';
export * from './twilio.js';
export * from './histogram.js';
export * from './event-loop.js';
