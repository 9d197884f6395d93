import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Builds the servers' logger. Logs go to stderr so that stdout stays free
 * for results (`--json`). `level: 'silent'` turns logging off, as tests do.
 */
export function createLogger(name: string, level = process.env['VOICE_LOAD_LOG_LEVEL'] ?? 'warn'): Logger {
  return pino({ name, level }, pino.destination(2));
}

/** A logger that drops everything. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
