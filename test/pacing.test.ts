import t from 'tap';

import { LagHistogram } from '../core/index.js';
import { judgeGenerator, GENERATOR_LIMITS } from '../analysis/index.js';
import { arrivalTimesMs, type GeneratorStats } from '../driver/index.js';

t.test('arrivals follow the rate', async (t) => {
  const times = arrivalTimesMs(100, 10, 0, 'seed');
  t.equal(times.length, 100);
  t.ok(times.every((time, i) => i === 0 || time > times[i - 1]!), 'dial times increase');
  t.ok(times[99]! >= 9900 && times[99]! < 10000, `100th dial at ${times[99]} ms falls in the tenth second`);
  for (let second = 0; second < 10; second++) {
    const inSecond = times.filter((time) => time >= second * 1000 && time < (second + 1) * 1000).length;
    t.equal(inSecond, 10, `10 dials in second ${second}`);
  }
});

t.test('arrivals are seeded', async (t) => {
  t.same(arrivalTimesMs(20, 5, 0, 'a'), arrivalTimesMs(20, 5, 0, 'a'), 'same seed, same times');
  t.not(arrivalTimesMs(20, 5, 0, 'a')[3], arrivalTimesMs(20, 5, 0, 'b')[3], 'another seed moves them');
});

t.test('ramp starts slow and reaches the rate', async (t) => {
  const times = arrivalTimesMs(60, 10, 4000, 'seed');
  const firstSecond = times.filter((time) => time < 1000).length;
  const afterRamp = times.filter((time) => time >= 4000 && time < 5000).length;
  t.ok(firstSecond <= 2, `${firstSecond} dials in the first second of a 4 s ramp to 10/s`);
  t.equal(afterRamp, 10, 'full rate after the ramp');
  t.ok(times[19]! < 4000, 'the 20th dial falls inside the ramp (rate * ramp / 2 = 20)');
  t.ok(times[20]! >= 4000, 'the 21st dial falls after it');
});

t.test('histogram quantiles stay within a bin', async (t) => {
  const histogram = new LagHistogram(0.01, 100);
  for (let i = 1; i <= 1000; i++) histogram.add(i / 100);
  t.ok(Math.abs(histogram.quantile(0.5)! - 5) <= 0.011, `p50 ${histogram.quantile(0.5)} near 5`);
  t.ok(Math.abs(histogram.quantile(0.99)! - 9.9) <= 0.011, `p99 ${histogram.quantile(0.99)} near 9.9`);
  histogram.add(250);
  t.equal(histogram.quantile(1), 250, 'values past the range stay exact');
  t.equal(new LagHistogram().quantile(0.5), null, 'empty histogram has no quantile');
});

function stats(sendP99: number, receiveP99: number, sent: number): GeneratorStats {
  return {
    sendLagMs: { p50: 0.5, p99: sendP99, count: 1000 },
    receiveLagMs: { p50: 0.5, p99: receiveP99, count: 1000 },
    framesSent: sent,
    framesExpected: 10000,
    eventLoopDelayP99Ms: 1,
  };
}

t.test('generator within limits is valid', async (t) => {
  const health = judgeGenerator(stats(2, 3, 10000));
  t.equal(health.valid, true);
  t.same(health.reasons, []);
  t.equal(health.frames_sent_ratio, 1);
});

t.test('generator over a limit is invalid with reasons', async (t) => {
  t.equal(judgeGenerator(stats(GENERATOR_LIMITS.sendLagP99Ms + 1, 1, 10000)).reasons.length, 1, 'send lag');
  t.equal(judgeGenerator(stats(1, GENERATOR_LIMITS.receiveLagP99Ms + 1, 10000)).reasons.length, 1, 'receive lag');
  t.equal(judgeGenerator(stats(1, 1, 9980)).valid, false, 'frames missing');
  t.match(judgeGenerator(stats(12, 1, 10000)).reasons[0], /send lag p99 12 ms is over 10 ms/);
});
