// Seeded synthetic runs and sweeps for the diagnosis tests: each fault
// model shapes the per-turn breakdown the way the design describes that
// fault, on top of a healthy lognormal agent.
import { seededRandom, trailingCounts, type SeededRandom } from '../../analysis/stats/index.js';
import type { CallPoint, DiagnosisInput, RunData, RunPhase, TurnPoint } from '../../analysis/diagnosis/index.js';

/** Median agent response of the healthy model, ms: endpointing plus the mock's default STT, LLM and TTS medians. */
export const HEALTHY_RESPONSE_MS = 1120;
/** Log-scale spread of the healthy agent response. */
export const HEALTHY_SIGMA = 0.3;

/** Input of a fault model: one turn before its latency is drawn. */
export interface TurnContext {
  random: SeededRandom;
  run: { index: number; concurrency: number; phase: RunPhase };
  callId: string;
  /** Calls dialled before this one in the whole sweep. */
  callsHandledBefore: number;
  /** Per-call draw in [0, 1), for faults that pick a share of calls. */
  callDraw: number;
  turn: number;
  atMs: number;
  /** Time since the start of the first run of the sweep. */
  sweepTimeMs: number;
  activeCalls: number;
  /** Turn ends and dials per second in the trailing 5 s. */
  requestsPerSecond: number;
  healthyResponseMs: number;
}

/** Breakdown of one turn; a null agent response is a turn the agent never answered. */
export interface TurnOutcome {
  agentResponseMs: number | null;
  uplinkMs: number;
  downlinkMs: number;
  playoutWaitMs: number;
  fragments: number;
}

export interface SyntheticRunSpec {
  concurrency: number;
  phase: RunPhase;
  calls: number;
  turnsPerCall?: number;
}

export interface SyntheticOptions {
  seed: string;
  turnTimeoutMs?: number;
  /** Changes the healthy outcome of a turn; the default leaves it healthy. */
  turnModel?: (context: TurnContext, healthy: TurnOutcome) => TurnOutcome;
  /** Setup time of a call dialled at `sweepTimeMs`; default 80 to 200 ms. */
  setupModel?: (random: SeededRandom, sweepTimeMs: number) => number;
  /** Whether a call starts a response loop, given its per-call draw. */
  loopModel?: (callDraw: number) => boolean;
  /** Explicit dial times per run (ms from run start); calls then start at these times regardless of concurrency. */
  dialTimesMs?: (runIndex: number) => number[];
  /** Switch rejection of a dial given attempted dials in its trailing second; null admits it. */
  rejectModel?: (dialsLastSecond: number) => string | null;
}

const SPEECH_MS = 2500;
const ANSWER_MS = 2500;
const GREETING_MS = 2000;
const RUN_GAP_MS = 5000;

/** Builds a single run at one load level. */
export function syntheticRun(spec: Omit<SyntheticRunSpec, 'phase'>, options: SyntheticOptions): DiagnosisInput {
  return syntheticSweep([{ ...spec, phase: 'single' }], options);
}

/** Builds a sweep: runs in the order given, sharing one time line and one count of calls handled, as a leak needs. */
export function syntheticSweep(specs: readonly SyntheticRunSpec[], options: SyntheticOptions): DiagnosisInput {
  const random = seededRandom(options.seed);
  const runs: RunData[] = [];
  let sweepOffsetMs = 0;
  let callsHandled = 0;
  specs.forEach((spec, index) => {
    const run = buildRun(spec, index, options, random, sweepOffsetMs, callsHandled);
    runs.push(run.data);
    sweepOffsetMs += run.durationMs + RUN_GAP_MS;
    callsHandled += spec.calls;
  });
  return { runs };
}

/** Returns sweep levels: a baseline, three steps up, two steps down. */
export function sweepLevels(callsPerRun: number): SyntheticRunSpec[] {
  return [
    { concurrency: 2, phase: 'baseline', calls: Math.max(20, Math.round(callsPerRun / 3)) },
    { concurrency: 10, phase: 'up', calls: callsPerRun },
    { concurrency: 20, phase: 'up', calls: callsPerRun },
    { concurrency: 40, phase: 'up', calls: callsPerRun },
    { concurrency: 20, phase: 'down', calls: callsPerRun },
    { concurrency: 10, phase: 'down', calls: callsPerRun },
  ];
}

interface PlannedCall {
  callId: string;
  dialedAtMs: number;
  endMs: number;
  setupMs: number;
  turnTimes: number[];
  startFailure: string | null;
  draw: number;
}

function buildRun(spec: SyntheticRunSpec, index: number, options: SyntheticOptions, random: SeededRandom, sweepOffsetMs: number, callsHandled: number) {
  const turnsPerCall = spec.turnsPerCall ?? 5;
  const turnTimeoutMs = options.turnTimeoutMs ?? 8000;
  const planned = planCalls(spec, index, turnsPerCall, options, random, sweepOffsetMs);
  const started = planned.filter((call) => call.startFailure === null);

  const allTurnTimes = started.flatMap((call) => call.turnTimes);
  const requests = [...allTurnTimes, ...started.map((call) => call.dialedAtMs)].sort((a, b) => a - b);
  const turns: TurnPoint[] = [];
  const calls: CallPoint[] = [];
  planned.forEach((call, order) => {
    if (call.startFailure !== null) {
      calls.push({ callId: call.callId, dialedAtMs: call.dialedAtMs, setupMs: null, startFailure: call.startFailure, avgLatencyMs: null, responseLoop: false, fragments: 0, timedOutTurns: 0, turns: 0 });
      return;
    }
    const callTurns = call.turnTimes.map((atMs, turn) => {
      const activeCalls = started.filter((other) => other.dialedAtMs <= atMs && atMs < other.endMs).length;
      const requestsPerSecond = trailingCounts(requests, [atMs], 5000)[0]! / 5;
      const context: TurnContext = {
        random,
        run: { index, concurrency: spec.concurrency, phase: spec.phase },
        callId: call.callId,
        callsHandledBefore: callsHandled + order,
        callDraw: call.draw,
        turn,
        atMs,
        sweepTimeMs: sweepOffsetMs + atMs,
        activeCalls,
        requestsPerSecond,
        healthyResponseMs: HEALTHY_RESPONSE_MS * Math.exp(HEALTHY_SIGMA * random.normal()),
      };
      const healthy: TurnOutcome = {
        agentResponseMs: context.healthyResponseMs,
        uplinkMs: 20 + 10 * random.uniform(),
        downlinkMs: 60 + 20 * random.uniform(),
        playoutWaitMs: 10 * random.uniform(),
        fragments: 0,
      };
      const outcome = options.turnModel ? options.turnModel(context, healthy) : healthy;
      return toTurnPoint(call.callId, turn, atMs, activeCalls, outcome, turnTimeoutMs);
    });
    turns.push(...callTurns);
    const censored = callTurns.map((turn) => turn.latencyMs ?? turnTimeoutMs);
    calls.push({
      callId: call.callId,
      dialedAtMs: call.dialedAtMs,
      setupMs: call.setupMs,
      startFailure: null,
      avgLatencyMs: censored.reduce((sum, value) => sum + value, 0) / censored.length,
      responseLoop: options.loopModel?.(call.draw) ?? false,
      fragments: callTurns.reduce((sum, turn) => sum + turn.fragments, 0),
      timedOutTurns: callTurns.filter((turn) => turn.timedOut).length,
      turns: callTurns.length,
    });
  });

  const rejections: Record<string, number> = {};
  for (const call of planned) if (call.startFailure !== null) rejections[call.startFailure] = (rejections[call.startFailure] ?? 0) + 1;
  const data: RunData = {
    label: `${spec.phase}-${spec.concurrency}-${index}`,
    concurrency: spec.concurrency,
    phase: spec.phase,
    turnTimeoutMs,
    turns,
    calls,
    rejections,
    dialTimesMs: planned.map((call) => call.dialedAtMs),
  };
  return { data, durationMs: Math.max(0, ...planned.map((call) => call.endMs)) };
}

function toTurnPoint(callId: string, turn: number, atMs: number, activeCalls: number, outcome: TurnOutcome, turnTimeoutMs: number): TurnPoint {
  const latency = outcome.agentResponseMs === null ? null : outcome.uplinkMs + outcome.agentResponseMs + outcome.playoutWaitMs + outcome.downlinkMs;
  const timedOut = latency === null || latency > turnTimeoutMs;
  return {
    callId,
    turn,
    atMs,
    latencyMs: timedOut ? null : latency,
    timedOut,
    activeCalls,
    agentResponseMs: timedOut ? null : outcome.agentResponseMs,
    uplinkMs: outcome.uplinkMs,
    playoutWaitMs: timedOut ? null : outcome.playoutWaitMs,
    downlinkMs: outcome.downlinkMs,
    fragments: outcome.fragments,
  };
}

/** Dials calls 100 ms apart until `concurrency` are up, then each as a slot frees; or at explicit times. */
function planCalls(spec: SyntheticRunSpec, index: number, turnsPerCall: number, options: SyntheticOptions, random: SeededRandom, sweepOffsetMs: number): PlannedCall[] {
  const explicit = options.dialTimesMs?.(index);
  const ends: number[] = [];
  const planned: PlannedCall[] = [];
  const dialTimes: number[] = [];
  for (let k = 0; k < spec.calls; k++) {
    let dialedAtMs: number;
    if (explicit !== undefined) dialedAtMs = explicit[k] ?? explicit[explicit.length - 1]! + 100 * (k - explicit.length + 1);
    else if (k < spec.concurrency) dialedAtMs = k * 100 + 20 * random.uniform();
    else {
      ends.sort((a, b) => a - b);
      dialedAtMs = ends.shift()! + 50 + 100 * random.uniform();
    }
    dialTimes.push(dialedAtMs);
    const lastSecond = dialTimes.filter((at) => at > dialedAtMs - 1000 && at <= dialedAtMs).length;
    const startFailure = options.rejectModel?.(lastSecond) ?? null;
    const setupMs = options.setupModel ? options.setupModel(random, sweepOffsetMs + dialedAtMs) : 80 + 120 * random.uniform();

    const turnTimes: number[] = [];
    let clock = dialedAtMs + setupMs + GREETING_MS;
    for (let turn = 0; turn < turnsPerCall; turn++) {
      clock += SPEECH_MS * (0.8 + 0.4 * random.uniform());
      turnTimes.push(clock);
      clock += HEALTHY_RESPONSE_MS + ANSWER_MS * (0.8 + 0.4 * random.uniform()) + 300;
    }
    const endMs = startFailure === null ? clock : dialedAtMs + 50;
    if (startFailure === null || explicit === undefined) ends.push(endMs);
    planned.push({ callId: `call-${index}-${k}`, dialedAtMs, endMs, setupMs, turnTimes: startFailure === null ? turnTimes : [], startFailure, draw: random.uniform() });
  }
  return planned;
}

// Fault models, each shaped as the design describes the fault.

/** Agent stages with 8 slots: beyond them, response grows 8% per extra call in progress. */
export function saturationModel(context: TurnContext, healthy: TurnOutcome): TurnOutcome {
  const excess = Math.max(0, context.activeCalls - 8);
  return { ...healthy, agentResponseMs: healthy.agentResponseMs! * (1 + 0.08 * excess) };
}

/** Response grows `msPerCall` for every call handled before, and never recovers. */
export function leakModel(msPerCall: number) {
  return (context: TurnContext, healthy: TurnOutcome): TurnOutcome => ({ ...healthy, agentResponseMs: healthy.agentResponseMs! + msPerCall * context.callsHandledBefore });
}

/** Makes a share of calls slower by `factor` on every turn. */
export function slowPathModel(share: number, factor: number) {
  return (context: TurnContext, healthy: TurnOutcome): TurnOutcome => (context.callDraw < share ? { ...healthy, agentResponseMs: healthy.agentResponseMs! * factor } : healthy);
}

/**
 * Requests over `limitPerSecond` in the trailing 5 s are throttled with a
 * probability growing with the excess: 30% fail silent, the rest answer
 * after a 1 or 2 s backoff.
 */
export function ttsLimitModel(limitPerSecond: number) {
  return (context: TurnContext, healthy: TurnOutcome): TurnOutcome => {
    const excess = context.requestsPerSecond - limitPerSecond;
    if (excess <= 0 || context.random.uniform() >= Math.min(0.9, excess * 0.6)) return healthy;
    if (context.random.uniform() < 0.3) return { ...healthy, agentResponseMs: null };
    const retries = context.random.uniform() < 0.7 ? 1 : 2;
    return { ...healthy, agentResponseMs: healthy.agentResponseMs! + 1000 * retries };
  };
}

/** A share of calls hit a stage timeout on some turns: a late retry, fragments, and sometimes no answer in time. */
export function timeoutsModel(share: number) {
  return (context: TurnContext, healthy: TurnOutcome): TurnOutcome => {
    if (context.callDraw >= share || context.random.uniform() >= 0.5) return healthy;
    if (context.random.uniform() < 0.3) return { ...healthy, agentResponseMs: null, fragments: 1 };
    return { ...healthy, agentResponseMs: healthy.agentResponseMs! + 2000, fragments: 1 + Math.floor(2 * context.random.uniform()) };
  };
}

/** Calls below `share` of the per-call draw loop. */
export function loopShareModel(share: number) {
  return (callDraw: number) => callDraw < share / 2;
}

/** Routing stalls of `stallMs` every `everyMs` for 4 s: turns inside them wait `extraMs` on the uplink. */
export function routingModel(everyMs: number, extraMs: number) {
  return (context: TurnContext, healthy: TurnOutcome): TurnOutcome =>
    context.sweepTimeMs % everyMs < 4000 ? { ...healthy, uplinkMs: healthy.uplinkMs + extraMs * (0.8 + 0.4 * context.random.uniform()) } : healthy;
}

/** Bursty dialling for a CPS limit: bursts of `burst` dials 80 ms apart, `pauseMs` between bursts. */
export function burstyDials(count: number, burst: number, pauseMs: number): number[] {
  const times: number[] = [];
  let clock = 0;
  while (times.length < count) {
    for (let k = 0; k < burst && times.length < count; k++) {
      times.push(clock);
      clock += 80;
    }
    clock += pauseMs;
  }
  return times;
}
