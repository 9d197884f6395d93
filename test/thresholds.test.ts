import t from 'tap';

import { summarize, type Summary } from '../analysis/index.js';
import { EXIT_THRESHOLD_FAILED, evaluateThresholds, KNOWN_METRICS, metricValue, parseThreshold, thresholdExitStatus } from '../analysis/thresholds.js';
import { isVoiceLoadError } from '../core/index.js';
import { FIXTURE_TURN_TIMEOUT_MS, INVALID_GENERATOR, makeCallRecord, type CallSpec } from './helpers/run-fixture.js';

function summaryOf(specs: CallSpec[], generator: Summary['generator'] = null): Summary {
  return summarize(specs.map((spec, index) => makeCallRecord(spec, index)), FIXTURE_TURN_TIMEOUT_MS, generator);
}

/** Ten answered calls with conversation latencies 1000 to 1900 ms. */
const STEADY = summaryOf(Array.from({ length: 10 }, (_, index) => ({ id: `s${index}`, turns: [1000 + index * 100] })));

function errorCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isVoiceLoadError(err) ? err.code : 'not a VoiceLoadError';
  }
  return undefined;
}

t.test('known metrics follow the summary shape', async (t) => {
  for (const name of ['conv_latency_p90', 'conv_latency_mean', 'turn_latency_p50', 'turn_latency_p99', 'completed_rate', 'time_to_greeting_ms_p90', 'setup_ms_p99', 'start_failures_total', 'calls_total', 'turns_timed_out']) {
    t.ok(KNOWN_METRICS.includes(name), `${name} is known`);
  }
  t.notOk(KNOWN_METRICS.some((name) => name.startsWith('generator')), 'generator fields are left out');
});

t.test('parseThreshold reads metric, operator and limit', async (t) => {
  t.same(parseThreshold('conv_latency_p90<1500'), { text: 'conv_latency_p90<1500', metric: 'conv_latency_p90', operator: '<', limit: 1500 });
  t.same(parseThreshold(' completed_rate >= 0.99 ').limit, 0.99);
  t.equal(parseThreshold('turn_latency_p99<=3000').operator, '<=');
  t.equal(parseThreshold('start_failures_agent_unreachable==0').metric, 'start_failures_agent_unreachable');
});

t.test('unknown metric raises VL_THRESHOLD_INVALID', async (t) => {
  t.equal(errorCode(() => parseThreshold('conv_latency_p42<1500')), 'VL_THRESHOLD_INVALID');
  try {
    parseThreshold('latency<1500');
  } catch (err) {
    t.match((err as Error).message, /unknown metric latency/, 'message names the metric');
    t.match((err as { hint: string }).hint, /conv_latency_p90/, 'hint lists the known metrics');
    t.equal((err as { usage: boolean }).usage, true, 'a usage error, so exit 2');
  }
});

t.test('malformed threshold raises VL_THRESHOLD_INVALID', async (t) => {
  for (const text of ['conv_latency_p90', 'conv_latency_p90<', 'conv_latency_p90=1500', 'conv_latency_p90 < fast', '<1500', 'conv_latency_p90<1500ms']) {
    t.equal(errorCode(() => parseThreshold(text)), 'VL_THRESHOLD_INVALID', JSON.stringify(text));
  }
});

t.test('each operator compares the summary value', async (t) => {
  const p50 = STEADY.conv_latency.p50!;
  const cases: Array<[string, boolean]> = [
    [`conv_latency_p50<${p50}`, false],
    [`conv_latency_p50<${p50 + 1}`, true],
    [`conv_latency_p50<=${p50}`, true],
    [`conv_latency_p50>${p50}`, false],
    [`conv_latency_p50>${p50 - 1}`, true],
    [`conv_latency_p50>=${p50}`, true],
    [`conv_latency_p50==${p50}`, true],
    [`conv_latency_p50==${p50 + 1}`, false],
  ];
  for (const [text, expected] of cases) {
    t.equal(evaluateThresholds(STEADY, [parseThreshold(text)]).passed, expected, text);
  }
});

t.test('failed threshold names the value', async (t) => {
  const evaluation = evaluateThresholds(STEADY, [parseThreshold('completed_rate>=0.99'), parseThreshold('conv_latency_p90<1500')]);
  t.equal(evaluation.passed, false);
  t.equal(evaluation.results[0]!.passed, true, 'every call completed');
  t.equal(evaluation.results[1]!.failure, 'not_met');
  t.equal(evaluation.results[1]!.actual, STEADY.conv_latency.p90);
});

t.test('exit status is 3 on failure', async (t) => {
  t.equal(EXIT_THRESHOLD_FAILED, 3);
  t.equal(thresholdExitStatus(evaluateThresholds(STEADY, [parseThreshold('conv_latency_p90<1500')])), 3);
  t.equal(thresholdExitStatus(evaluateThresholds(STEADY, [parseThreshold('conv_latency_p90<5000')])), 0);
  t.equal(thresholdExitStatus(evaluateThresholds(STEADY, [])), 0, 'no thresholds pass');
});

t.test('invalid run fails every threshold', async (t) => {
  const invalid = { ...STEADY, generator: INVALID_GENERATOR };
  const evaluation = evaluateThresholds(invalid, [parseThreshold('conv_latency_p90<100000'), parseThreshold('completed_rate>=0')]);
  t.equal(evaluation.passed, false);
  t.same(evaluation.results.map((result) => result.failure), ['invalid_run', 'invalid_run']);
});

t.test('censored percentile fails an upper bound', async (t) => {
  const summary = summaryOf([
    { id: 'a', turns: [1000] },
    { id: 'b', turns: [1100] },
    { id: 'c', turns: [1200] },
    { id: 'd', turns: [1300] },
    { id: 'e', turns: ['timeout'] },
  ]);
  t.ok(summary.conv_latency.censored.includes('p99'), 'p99 rests on the timed-out call');
  const upper = evaluateThresholds(summary, [parseThreshold('conv_latency_p99<100000')]);
  t.equal(upper.results[0]!.failure, 'censored', '< fails');
  t.equal(evaluateThresholds(summary, [parseThreshold('conv_latency_p99<=100000')]).passed, false, '<= fails');
  t.equal(evaluateThresholds(summary, [parseThreshold('conv_latency_p99>=1000')]).passed, true, 'a lower bound can pass >=');
  t.notOk(summary.conv_latency.censored.includes('p50'), 'p50 lies among answered calls');
  t.equal(evaluateThresholds(summary, [parseThreshold('conv_latency_p50<100000')]).passed, true, 'an uncensored figure passes <');
});

t.test('metric without value fails', async (t) => {
  const none = summaryOf([{ id: 'x', startFailure: 'agent_unreachable' }]);
  const evaluation = evaluateThresholds(none, [parseThreshold('conv_latency_p90<1500')]);
  t.equal(evaluation.results[0]!.failure, 'no_data');
});

t.test('start failure metrics count reasons', async (t) => {
  const summary = summaryOf([{ id: 'a', turns: [1000] }, { id: 'b', startFailure: 'agent_unreachable' }, { id: 'c', startFailure: 'cps_limit' }]);
  t.equal(metricValue(summary, 'start_failures_total'), 2);
  t.equal(metricValue(summary, 'start_failures_agent_unreachable'), 1);
  t.equal(metricValue(summary, 'start_failures_no_greeting'), 0, 'a reason that never occurred counts 0');
  t.equal(metricValue(summary, 'start_failure_rate'), 0.6667);
  t.equal(metricValue(summary, 'calls_started'), 1);
});
