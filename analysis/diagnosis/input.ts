/** One caller turn as the detectors see it. Times are ms from the start of the run. */
export interface TurnPoint {
  callId: string;
  turn: number;
  /** End of the caller's speech. */
  atMs: number;
  /** Turn-taking latency; null when the turn timed out or was a talk-over. */
  latencyMs: number | null;
  timedOut: boolean;
  /** Calls in progress when the turn's speech ended. */
  activeCalls: number;
  /** Switch breakdown components of the turn; null where the switch saw none. */
  agentResponseMs: number | null;
  uplinkMs: number | null;
  playoutWaitMs: number | null;
  downlinkMs: number | null;
  fragments: number;
}

/** One call as the detectors see it. */
export interface CallPoint {
  callId: string;
  dialedAtMs: number;
  setupMs: number | null;
  /** Start failure reason, such as `rejected_cps`; null for a call that started. */
  startFailure: string | null;
  /** Mean turn-taking latency with timed-out turns counted as the turn timeout. */
  avgLatencyMs: number | null;
  responseLoop: boolean;
  /** Replies that repeat an earlier reply or its start; absent where the records do not say. */
  repeatedReplies?: number;
  fragments: number;
  timedOutTurns: number;
  turns: number;
}

export type RunPhase = 'single' | 'baseline' | 'up' | 'down';

/** One run: a single load level. */
export interface RunData {
  label: string;
  concurrency: number;
  phase: RunPhase;
  turnTimeoutMs: number;
  turns: TurnPoint[];
  calls: CallPoint[];
  /** Switch rejections by reason, such as `{ rejected_cps: 12 }`. */
  rejections: Record<string, number>;
  /** Times of every attempted dial, redials included. */
  dialTimesMs: number[];
}

/** One run, or a sweep in order: baseline, then step-up runs, then step-down runs. */
export interface DiagnosisInput {
  runs: RunData[];
}

export type FindingMode =
  | 'saturation'
  | 'tts-limit'
  | 'leak'
  | 'timeouts'
  | 'slow-path'
  | 'cps-limit'
  | 'routing'
  | 'latency-high-undetermined';

/** Breakdown component that moved with a fault. */
export type BreakdownComponent = 'agent_response' | 'uplink' | 'downlink' | 'setup';

/** A failure mode the detectors named, with the test that fired and its evidence. */
export interface Finding {
  mode: FindingMode;
  title: string;
  /** Heuristic score from 0 to 1 built from the p-value margin, the effect margin and the supporting checks; not a probability. */
  confidence: number;
  pValue: number | null;
  /** Significance level of each test: the family alpha divided by the number of modes tested. */
  alpha: number;
  effect: { name: string; value: number; unit: string; minimum: number };
  test: string;
  component: BreakdownComponent | null;
  /** Numbers behind the finding, one sentence each. */
  evidence: string[];
}

/** A mode that could not be tested, and why. */
export interface InsufficientData {
  mode: FindingMode;
  reason: string;
}

export interface Diagnosis {
  findings: Finding[];
  insufficient: InsufficientData[];
  modesTested: FindingMode[];
  alpha: number;
}
