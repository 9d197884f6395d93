import { readFileSync } from 'node:fs';

import t, { type Test } from 'tap';

import { diagnose, formatDiagnosis, DIAGNOSIS_DEFAULTS, DIAGNOSIS_THRESHOLDS_DOC, type Diagnosis, type DiagnosisInput, type FindingMode } from '../analysis/diagnosis/index.js';
import {
  burstyDials,
  leakModel,
  loopShareModel,
  routingModel,
  saturationModel,
  slowPathModel,
  sweepLevels,
  syntheticRun,
  syntheticSweep,
  timeoutsModel,
  ttsLimitModel,
} from './helpers/synthetic-runs.js';

function modes(diagnosis: Diagnosis): FindingMode[] {
  return diagnosis.findings.map((finding) => finding.mode);
}

/** Asserts the diagnosis names exactly `expected`, printing it when it does not. */
function expectModes(t: Test, input: DiagnosisInput, expected: FindingMode[]): Diagnosis {
  const diagnosis = diagnose(input);
  t.same(modes(diagnosis), expected, `findings ${JSON.stringify(modes(diagnosis))}`);
  if (JSON.stringify(modes(diagnosis)) !== JSON.stringify(expected)) t.comment(formatDiagnosis(diagnosis));
  return diagnosis;
}

const healthyRun = () => syntheticRun({ concurrency: 20, calls: 200 }, { seed: 'healthy-run' });

t.test('healthy run yields no finding', async (t) => {
  const diagnosis = expectModes(t, healthyRun(), []);
  t.notOk(diagnosis.modesTested.includes('saturation'), 'saturation needs a sweep');
  t.ok(diagnosis.insufficient.some((entry) => entry.mode === 'saturation'), 'saturation listed as insufficient');
  t.equal(diagnosis.alpha, 0.05 / diagnosis.modesTested.length, 'Bonferroni over the modes tested');
});

t.test('healthy sweep yields no finding', async (t) => {
  const diagnosis = expectModes(t, syntheticSweep(sweepLevels(120), { seed: 'healthy-sweep' }), []);
  t.ok(diagnosis.modesTested.includes('saturation'));
  t.notOk(diagnosis.modesTested.includes('latency-high-undetermined'), 'a sweep can name saturation itself');
});

t.test('saturation sweep names saturation', async (t) => {
  const diagnosis = expectModes(t, syntheticSweep(sweepLevels(120), { seed: 'saturation', turnTimeoutMs: 15000, turnModel: saturationModel }), ['saturation']);
  const finding = diagnosis.findings[0]!;
  t.equal(finding.component, 'agent_response');
  t.ok(finding.effect.value >= 1.5, `p90 ratio ${finding.effect.value}`);
  t.ok(finding.pValue! < diagnosis.alpha);
  t.ok(finding.evidence.some((line) => line.includes('recovers on step-down')), 'recovery checked');
});

t.test('single saturated run never yields saturation', async (t) => {
  const input = syntheticRun({ concurrency: 40, calls: 200 }, { seed: 'saturated-single', turnTimeoutMs: 15000, turnModel: saturationModel });
  const diagnosis = expectModes(t, input, ['latency-high-undetermined']);
  t.match(diagnosis.findings[0]!.title, /run a sweep/);
});

t.test('leak run names leak', async (t) => {
  const diagnosis = expectModes(t, syntheticRun({ concurrency: 20, calls: 200 }, { seed: 'leak', turnModel: leakModel(4) }), ['leak']);
  t.ok(diagnosis.findings[0]!.effect.value >= 30, `slope ${diagnosis.findings[0]!.effect.value} ms/min`);
});

t.test('leak sweep names leak, not saturation', async (t) => {
  expectModes(t, syntheticSweep(sweepLevels(100), { seed: 'leak-sweep', turnTimeoutMs: 20000, turnModel: leakModel(3) }), ['leak']);
});

t.test('cascading timeouts name timeouts', async (t) => {
  const input = syntheticRun({ concurrency: 20, calls: 200 }, { seed: 'timeouts', turnModel: timeoutsModel(0.15), loopModel: loopShareModel(0.15) });
  expectModes(t, input, ['timeouts']);
});

t.test('slow path run names slow-path', async (t) => {
  const diagnosis = expectModes(t, syntheticRun({ concurrency: 20, calls: 200 }, { seed: 'slow-path', turnModel: slowPathModel(0.12, 3) }), ['slow-path']);
  t.ok(Math.abs(diagnosis.findings[0]!.effect.value - 3) < 0.5, `separation ${diagnosis.findings[0]!.effect.value}`);
});

t.test('slow path sweep names slow-path', async (t) => {
  expectModes(t, syntheticSweep(sweepLevels(100), { seed: 'slow-path-sweep', turnModel: slowPathModel(0.12, 3) }), ['slow-path']);
});

t.test('TTS rate limit names tts-limit', async (t) => {
  const input = syntheticRun({ concurrency: 20, calls: 200 }, { seed: 'tts', turnModel: ttsLimitModel(3.6) });
  expectModes(t, input, ['tts-limit']);
});

t.test('CPS limit names cps-limit', async (t) => {
  const input = syntheticRun(
    { concurrency: 100, calls: 200 },
    { seed: 'cps', dialTimesMs: () => burstyDials(200, 10, 1500), rejectModel: (lastSecond) => (lastSecond > 6 ? 'rejected_cps' : null) },
  );
  const diagnosis = expectModes(t, input, ['cps-limit']);
  t.equal(diagnosis.findings[0]!.component, 'setup');
});

t.test('routing stalls name routing', async (t) => {
  const input = syntheticRun({ concurrency: 20, calls: 200 }, { seed: 'routing', turnModel: routingModel(40_000, 600) });
  const diagnosis = expectModes(t, input, ['routing']);
  t.equal(diagnosis.findings[0]!.component, 'uplink');
});

t.test('slow setup names routing', async (t) => {
  const input = syntheticRun({ concurrency: 20, calls: 200 }, { seed: 'setup', setupModel: (random) => (random.uniform() < 0.2 ? 1500 + 500 * random.uniform() : 100) });
  const diagnosis = expectModes(t, input, ['routing']);
  t.equal(diagnosis.findings[0]!.component, 'setup');
});

t.test('small run is insufficient', async (t) => {
  const diagnosis = diagnose(syntheticRun({ concurrency: 3, calls: 5, turnsPerCall: 2 }, { seed: 'small' }));
  t.same(diagnosis.findings, []);
  t.same(diagnosis.modesTested, [], 'nothing can be tested');
  for (const mode of ['saturation', 'leak', 'tts-limit', 'timeouts', 'slow-path', 'cps-limit', 'routing', 'latency-high-undetermined']) {
    t.ok(diagnosis.insufficient.some((entry) => entry.mode === mode), `${mode} insufficient`);
  }
  t.match(formatDiagnosis(diagnosis), /insufficient data, not evidence of health/);
});

t.test('diagnosis is deterministic', async (t) => {
  const input = syntheticRun({ concurrency: 20, calls: 200 }, { seed: 'slow-path', turnModel: slowPathModel(0.12, 3) });
  t.same(diagnose(input), diagnose(input));
});

t.test('format shows evidence and confidence', async (t) => {
  const text = formatDiagnosis(diagnose(syntheticRun({ concurrency: 20, calls: 200 }, { seed: 'leak', turnModel: leakModel(4) })));
  t.match(text, /Memory or queue leak/);
  t.match(text, /confidence \d+%/);
  t.match(text, /  - In the steady window/);
});

t.test('thresholds are frozen and documented', async (t) => {
  t.ok(Object.isFrozen(DIAGNOSIS_DEFAULTS));
  t.ok(Object.isFrozen(DIAGNOSIS_DEFAULTS.leak));
  for (const mode of ['saturation', 'leak', 'tts-limit', 'timeouts', 'slow-path', 'cps-limit', 'routing']) t.match(DIAGNOSIS_THRESHOLDS_DOC, `| ${mode} |`);
  t.notMatch(DIAGNOSIS_THRESHOLDS_DOC, 'not measured', 'every minimum detectable effect is stated');
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  t.ok(readme.includes(DIAGNOSIS_THRESHOLDS_DOC.trim()), 'the README holds the thresholds table as the code states it');
});
