import { VoiceLoadError } from './errors.js';

/** Unfinished items listed in full in a message; the rest are counted. */
const MAX_LISTED_ITEMS = 20;

/**
 * A failure of a simulation on the virtual clock. `pending` lists the
 * unfinished work items, each as the caller described it (for example
 * `call-7 (ringing)`), and `atMs` is the virtual time of the failure.
 */
export class SimulationError extends VoiceLoadError {
  constructor(
    code: string,
    message: string,
    hint: string,
    readonly atMs: number,
    readonly pending: readonly string[] = [],
  ) {
    super(code, message, hint);
    this.name = 'SimulationError';
  }
}

/** Formats `items` for a message, listing at most `MAX_LISTED_ITEMS` of them. */
export function describePending(items: readonly string[]): string {
  if (items.length === 0) return 'no unfinished items were reported';
  const listed = items.slice(0, MAX_LISTED_ITEMS).join(', ');
  const rest = items.length - MAX_LISTED_ITEMS;
  const more = rest > 0 ? `, and ${rest} more` : '';
  return `${items.length} unfinished: ${listed}${more}`;
}

/** Creates the error for an empty timer queue while work is unfinished, since nothing can complete that work any more. */
export function simDeadlockError(atMs: number, pending: readonly string[], conditionOpen: boolean): SimulationError {
  const condition = conditionOpen ? ' and the run condition is still false' : '';
  return new SimulationError(
    'VL_SIM_DEADLOCK',
    `simulation deadlocked at ${atMs} ms: no timers remain${condition}; ${describePending(pending)}`,
    'each listed item is waiting for an event that nothing has scheduled; check the timers and messages it depends on',
    atMs,
    pending,
  );
}

/** Creates the error for more timers at one virtual instant than the clock allows. */
export function simLivelockError(atMs: number, maxTimersPerInstant: number, pending: readonly string[]): SimulationError {
  return new SimulationError(
    'VL_SIM_LIVELOCK',
    `simulation livelocked at ${atMs} ms: more than ${maxTimersPerInstant} timers ran without time advancing; ${describePending(pending)}`,
    'look for a timer or message loop that reschedules itself with zero delay, or raise maxTimersPerInstant',
    atMs,
    pending,
  );
}

/** Creates the error for `runUntil` reaching its virtual time limit with the condition still false. */
export function simTimeoutError(atMs: number, maxMs: number, pending: readonly string[]): SimulationError {
  return new SimulationError(
    'VL_SIM_TIMEOUT',
    `simulation timed out at ${atMs} ms: the condition was still false after ${maxMs} ms of virtual time; ${describePending(pending)}`,
    'check why the listed items did not finish, or allow more virtual time',
    atMs,
    pending,
  );
}

/** Creates the error for real work that held simulated time past the real-time limit. */
export function simHoldTimeoutError(atMs: number, holdTimeoutMs: number, reasons: readonly string[]): SimulationError {
  return new SimulationError(
    'VL_SIM_HOLD_TIMEOUT',
    `simulated time was held at ${atMs} ms for more than ${holdTimeoutMs} ms of real time by: ${reasons.join(', ')}`,
    'call the release function returned by hold() once the real work settles, including on failure',
    atMs,
    reasons,
  );
}

/** An argument or option the virtual clock cannot use, such as a non-finite delay. `message` names the value. */
export class SimInvalidArgumentError extends VoiceLoadError {
  constructor(message: string) {
    super('VL_SIM_INVALID_ARGUMENT', message, 'pass a value of the kind the message names');
    this.name = 'SimInvalidArgumentError';
  }
}

/** Creates the error for a `run` call made while another run on the same clock is unfinished. */
export function simAlreadyRunningError(atMs: number): SimulationError {
  return new SimulationError(
    'VL_SIM_ALREADY_RUNNING',
    `cannot start a run at ${atMs} ms: this virtual clock is already running`,
    'await the current run before starting another',
    atMs,
  );
}
