/** Thresholds of the diagnosis. Units are in the names: `Ms` is milliseconds, `Share` a fraction from 0 to 1, `Ratio` a multiple. */
export interface DiagnosisThresholds {
  /** Family-wise significance level, split evenly (Bonferroni) over the modes tested. */
  familyAlpha: number;
  /** Seed of the bootstrap and permutation draws, so one input always gets one diagnosis. */
  seed: string;
  /** Minimum number of turns with a latency or a timeout for a per-turn test. */
  minTurns: number;
  /** Minimum number of started calls for a per-call test. */
  minCalls: number;
  saturation: { minConcurrencyLevels: number; minP90Ratio: number; maxRecoveryRatio: number };
  latencyHigh: { p90Ms: number; backgroundShare: number };
  leak: { steadyBandShare: number; turnsPerWindow: number; maxWindows: number; minWindows: number; minSlopeMsPerMinute: number; minCallOrderRho: number; maxRecoveryRatio: number };
  timeouts: { backgroundCallShare: number; minAffectedShare: number };
  slowPath: { minShare: number; maxShare: number; minSeparationRatio: number; minConsistencyShare: number; minHomogeneityP: number; minTimeSpreadP: number; bootstrapReplicates: number };
  ttsLimit: { backgroundSilentShare: number; minSilentShare: number; rateWindowMs: number; minStepShare: number; maxStepShare: number; minStepRatio: number; maxStepConsistencyShare: number; bootstrapReplicates: number };
  cpsLimit: { backgroundRejectionShare: number; minRejectionShare: number; rateWindowMs: number };
  routing: { slowNetworkMs: number; slowSetupMs: number; backgroundSlowShare: number; minSlowShare: number; clusterPermutations: number };
}

/**
 * Default thresholds of `diagnose`.
 * NOTE: these values were checked only against the seeded synthetic runs
 * of the tests, not yet against runs of the mock agent.
 */
export const DIAGNOSIS_DEFAULTS: Readonly<DiagnosisThresholds> = deepFreeze({
  familyAlpha: 0.05,
  seed: 'voice-load-diagnosis',
  minTurns: 30,
  minCalls: 20,
  saturation: { minConcurrencyLevels: 3, minP90Ratio: 1.5, maxRecoveryRatio: 1.25 },
  latencyHigh: { p90Ms: 3000, backgroundShare: 0.1 },
  leak: { steadyBandShare: 0.1, turnsPerWindow: 10, maxWindows: 12, minWindows: 6, minSlopeMsPerMinute: 30, minCallOrderRho: 0.1, maxRecoveryRatio: 1.25 },
  timeouts: { backgroundCallShare: 0.01, minAffectedShare: 0.05 },
  slowPath: { minShare: 0.02, maxShare: 0.4, minSeparationRatio: 1.5, minConsistencyShare: 0.8, minHomogeneityP: 0.01, minTimeSpreadP: 0.01, bootstrapReplicates: 199 },
  ttsLimit: {
    backgroundSilentShare: 0.01,
    minSilentShare: 0.02,
    rateWindowMs: 5000,
    minStepShare: 0.03,
    maxStepShare: 0.5,
    minStepRatio: 1.3,
    maxStepConsistencyShare: 0.6,
    bootstrapReplicates: 199,
  },
  cpsLimit: { backgroundRejectionShare: 0.001, minRejectionShare: 0.01, rateWindowMs: 1000 },
  routing: { slowNetworkMs: 300, slowSetupMs: 1000, backgroundSlowShare: 0.01, minSlowShare: 0.03, clusterPermutations: 499 },
});

function deepFreeze<T extends object>(value: T): Readonly<T> {
  for (const child of Object.values(value)) if (typeof child === 'object' && child !== null) deepFreeze(child as object);
  return Object.freeze(value);
}

/**
 * Markdown table of the diagnosis thresholds and of each mode's test, for
 * the README. The minimum detectable effects come from seeded sim runs at
 * validate's run size (bench/README.md); `MINIMUM_DETECTABLE_STRENGTH` in
 * cli/validate-cases.ts contains the same strengths.
 */
export const DIAGNOSIS_THRESHOLDS_DOC = `| mode | test that fires (each at alpha = 0.05 / k) | effect and default minimum | other conditions | minimum detectable effect |
|---|---|---|---|---|
| saturation | Spearman rho of agent response against active calls, pooled over a sweep of at least 3 concurrency levels | p90 turn latency at the highest level over the baseline's, >= 1.5x | OLS slope > 0; each step-down run's median within 1.25x of the step-up run at its level | 5.2 LLM requests per second served by 2 slots, against 5.7 healthy (strength 1.1), in a sweep of 2, 12 and 36 calls |
| latency-high-undetermined | one-sided binomial test of the share of turns over 3000 ms against 10% (single load level only) | p90 turn latency, >= 3000 ms | reported only when no other mode was found | not applicable |
| leak | one-sided seasonal Kendall test over runs of windowed medians of agent response residuals (after OLS on active calls) in the steady window (active calls within 10% of the run's median) | Theil-Sen slope of those medians, >= 30 ms per minute | Spearman rho of call order against the residuals >= 0.1; no recovery on step-down (median > 1.25x) | 1 ms more LLM time per call handled (strength 0.1), 160 calls at 16 |
| timeouts | one-sided exact binomial test of calls with a response loop that repeats a reply against 1% | share of calls affected, >= 0.05 | fragments and talk-overs alone do not count, since audio broken up on the way also makes them | 15% of TTS requests timing out (strength 0.75), 60 calls at 10 |
| slow-path | likelihood ratio of 2 against 1 Gaussian components of log per-call latency, bootstrap-calibrated | ratio of component medians, >= 1.5x | slow share between 2% and 40%; slow calls slow on >= 80% of turns; slow share the same across runs (chi-square p >= 0.01); slow calls not bunched in time (Mann-Whitney U on dial times, p >= 0.01) | 12.5% of calls 1500 ms slower on every turn (strength 1.25), 80 calls at 10 |
| tts-limit | one-sided exact binomial test of answered calls with no greeting against 1%; or Spearman rho of turn agent response (timeouts censored) against requests per second in the trailing 5 s, above its rho against active calls; and silent turns above 1% (binomial) or backoff steps (bootstrap mixture test) | share of turns silent or stepped, >= 0.02 (steps >= 0.03 at >= 1.3x) | stepped turns spread over calls (<= 60% of a stepped call's turns stepped) | a TTS limit of 1.6 requests per second (strength 1.25), 60 calls at 12 |
| cps-limit | one-sided exact binomial test of switch rejections (\`rejected_cps\`, \`rejected_busy\`) per attempted dial against 0.1% | rejected share of dials, >= 0.01 | supporting: Mann-Whitney U of dials per second (trailing 1 s) at rejected against started calls | 2.1 dials per second against a limit of 2 (strength 0.7), 60 calls |
| routing | one-sided exact binomial test of turns with uplink + downlink >= 300 ms, or of calls with setup >= 1000 ms, against 1% | share of slow turns or calls, >= 0.03 | supporting: time clustering of slow turns across calls (permutation test), Spearman rho against active calls | 188 ms setup and 450 ms stalls every 4 s on 4 workers (strength 0.75), in a sweep of 2, 12 and 36 calls |
`;
