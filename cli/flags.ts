import { isIPv6 } from 'node:net';

import { InvalidArgumentError } from 'commander';

import { isVoiceLoadError, UsageError } from '../core/index.js';

/** Log levels pino accepts, from most to least verbose, plus `silent`. */
export const LOG_LEVELS: readonly string[] = Object.freeze(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']);

/** Phone numbers as the scenario accepts them: an optional `+` and 3 to 15 digits. */
const PHONE_NUMBER = /^\+?[0-9]{3,15}$/;

/**
 * Wraps a field parser so that commander reports its error as an invalid
 * argument of the flag, with the error's code and fix in the message.
 */
export function flag<T>(parse: (value: string) => T): (value: string) => T {
  return (value: string) => reportAsInvalidArgument(() => parse(value));
}

/** Like `flag`, for a repeatable flag whose parser also receives the value built by its earlier uses. */
export function repeatableFlag<T>(parse: (value: string, previous: T) => T): (value: string, previous: T) => T {
  return (value: string, previous: T) => reportAsInvalidArgument(() => parse(value, previous));
}

function reportAsInvalidArgument<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (!isVoiceLoadError(err)) throw new InvalidArgumentError(String(err));
    throw new InvalidArgumentError(`${err.code} ${err.message}${err.hint === '' ? '' : ` (fix: ${err.hint})`}`);
  }
}

/** Parses a TCP port from 0 to 65535, where 0 lets the system choose a free one. */
export function parsePort(value: string): number {
  const port = Number(value);
  if (!/^[0-9]+$/.test(value) || port > 65535) {
    throw new UsageError('VL_INVALID_PORT', `port ${JSON.stringify(value)} is not a TCP port`, 'use a whole number from 0 to 65535, where 0 picks a free port');
  }
  return port;
}

/** Parses a number from `min` to `max` (which may be Infinity) given to `flagName`, such as a time in ms. */
export function parseFlagNumber(value: string, flagName: string, min: number, max: number): number {
  const number = value.trim() === '' ? NaN : Number(value);
  if (!Number.isFinite(number) || number < min || number > max) {
    const range = max === Infinity ? `of at least ${min}` : `from ${min} to ${max}`;
    throw new UsageError('VL_INVALID_OPTION', `${flagName} ${JSON.stringify(value)} is not a number ${range}`, `pass ${flagName} a number ${range}`);
  }
  return number;
}

/** Parses a listen interface: a host name or an IP address, without a port. */
export function parseHost(value: string): string {
  const bare = value.startsWith('[') && value.endsWith(']') ? value.slice(1, -1) : value;
  const valid = bare.includes(':') ? isIPv6(bare) : /^[A-Za-z0-9.-]+$/.test(bare);
  if (!valid) {
    throw new UsageError('VL_INVALID_HOST', `host ${JSON.stringify(value)} is not a host name or IP address`, 'use an interface such as 127.0.0.1, 0.0.0.0 or ::1');
  }
  return bare;
}

/** Parses a pino log level name. */
export function parseLogLevel(value: string): string {
  if (!LOG_LEVELS.includes(value)) {
    throw new UsageError('VL_INVALID_LOG_LEVEL', `log level ${JSON.stringify(value)} is not known`, `use one of ${LOG_LEVELS.join(', ')}`);
  }
  return value;
}

/** Parses a WebSocket URL (ws:// or wss://). The error names the value as `valueName`, such as `--switch`. */
export function parseWebSocketUrl(value: string, valueName: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'ws:' && url.protocol !== 'wss:')) {
    throw new UsageError('VL_INVALID_URL', `${valueName} ${JSON.stringify(value)} is not a WebSocket URL`, 'use a ws:// or wss:// URL such as ws://127.0.0.1:8080/call');
  }
  return value;
}

/** One entry of the switch's routing table. */
export interface Route {
  number: string;
  url: string;
}

/** Parses `NUMBER=ws://HOST:PORT/PATH`, the form of a `--route` flag. */
export function parseRoute(value: string): Route {
  const equals = value.indexOf('=');
  const number = equals < 0 ? '' : value.slice(0, equals);
  const url = equals < 0 ? '' : value.slice(equals + 1);
  const fix = 'use NUMBER=URL, such as +15550100=ws://127.0.0.1:8081/media';

  if (!PHONE_NUMBER.test(number)) {
    throw new UsageError('VL_INVALID_ROUTE', `route ${JSON.stringify(value)} does not start with a phone number and "="`, fix);
  }
  try {
    parseWebSocketUrl(url, 'route URL');
  } catch {
    throw new UsageError('VL_INVALID_ROUTE', `route ${JSON.stringify(value)} has URL ${JSON.stringify(url)}, which is not a ws:// or wss:// URL`, fix);
  }
  return { number, url };
}

/** Adds one `--route` value to the ones before it, rejecting a number routed twice. */
export function collectRoute(value: string, previous: readonly Route[] = []): Route[] {
  const route = parseRoute(value);
  if (previous.some((entry) => entry.number === route.number)) {
    throw new UsageError('VL_DUPLICATE_ROUTE', `number ${route.number} has more than one --route`, 'give each number one --route');
  }
  return [...previous, route];
}
