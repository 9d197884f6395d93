import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

import t from 'tap';

import { PeriodicSchedule, VirtualClock, type SimulationError } from '../core/index.js';

/** Awaits `promise`, expecting a rejection, and returns the error. */
async function rejectionOf(promise: Promise<unknown>): Promise<SimulationError> {
  try {
    await promise;
  } catch (err) {
    return err as SimulationError;
  }
  throw new Error('expected a rejection');
}

/** Runs `count` timers all due at 5 ms and returns their labels in run order. */
async function tieOrder(seed: string, count: number): Promise<number[]> {
  const clock = new VirtualClock({ seed });
  const order: number[] = [];
  for (let index = 0; index < count; index++) clock.setTimer(() => order.push(index), 5);
  await clock.run();
  return order;
}

t.test('now starts at the origin', async (t) => {
  t.equal(new VirtualClock().now(), 0, 'default origin');
  t.equal(new VirtualClock({ startMs: 1_000 }).now(), 1_000, 'given origin');
  t.equal(new VirtualClock().virtual, true);
});

t.test('wall time follows virtual time', async (t) => {
  const wallStartMs = Date.UTC(2024, 0, 1);
  const clock = new VirtualClock({ startMs: 500, wallStartMs });
  t.equal(clock.wallTime().getTime(), wallStartMs, 'at the origin');

  clock.setTimer(() => undefined, 1_500);
  await clock.run();
  t.equal(clock.wallTime().getTime(), wallStartMs + 1_500, 'after 1500 ms');
});

t.test('timers run in due order', async (t) => {
  const clock = new VirtualClock();
  const ran: Array<[number, number]> = [];
  for (const delay of [30, 10, 50, 0, 20, 40]) clock.setTimer(() => ran.push([delay, clock.now()]), delay);

  const summary = await clock.run();
  t.same(ran, [[0, 0], [10, 10], [20, 20], [30, 30], [40, 40], [50, 50]]);
  t.same(summary, { stop: 'idle', startMs: 0, endMs: 50, timersRun: 6 });
});

t.test('negative delay runs at now', async (t) => {
  const clock = new VirtualClock({ startMs: 100 });
  let ranAt = -1;
  clock.setTimer(() => (ranAt = clock.now()), -50);
  await clock.run();
  t.equal(ranAt, 100);
});

t.test('non-finite delay is rejected', async (t) => {
  const clock = new VirtualClock();
  t.throws(() => clock.setTimer(() => undefined, Number.NaN), { code: 'VL_SIM_INVALID_ARGUMENT' }, 'NaN');
  t.throws(() => clock.setTimer(() => undefined, Number.POSITIVE_INFINITY), { code: 'VL_SIM_INVALID_ARGUMENT' }, 'Infinity');
});

t.test('invalid options are rejected', async (t) => {
  t.throws(() => new VirtualClock({ startMs: Number.NaN }), { code: 'VL_SIM_INVALID_ARGUMENT' }, 'startMs');
  t.throws(() => new VirtualClock({ maxTimersPerInstant: 0 }), { code: 'VL_SIM_INVALID_ARGUMENT' }, 'maxTimersPerInstant');
  t.throws(() => new VirtualClock({ holdTimeoutMs: 1.5 }), { code: 'VL_SIM_INVALID_ARGUMENT' }, 'holdTimeoutMs');
});

t.test('ties run in seeded order', async (t) => {
  const count = 20;
  const creationOrder = Array.from({ length: count }, (_, index) => index);
  const first = await tieOrder('seed-a', count);
  const again = await tieOrder('seed-a', count);
  const other = await tieOrder('seed-b', count);

  t.same([...first].sort((a, b) => a - b), creationOrder, 'every timer ran once');
  t.same(again, first, 'same seed, same order');
  t.notSame(other, first, 'another seed, another order');
  t.notSame(first, creationOrder, 'not creation order');
});

t.test('zero-delay timer takes its seeded place among due timers', async (t) => {
  // A and B are set with a delay and fall due at 10 ms. Whichever runs
  // first sets Z with no delay, due at the same instant as the other. The
  // tie key alone decides whether Z runs before it, so across seeds both
  // orders must occur.
  const orders = new Set<string>();
  for (let seed = 0; seed < 40; seed++) {
    const clock = new VirtualClock({ seed });
    const ran: string[] = [];
    const run = (name: string) => () => {
      if (ran.length === 0) clock.setTimer(() => ran.push('Z'), 0);
      ran.push(name);
    };
    clock.setTimer(run('A'), 10);
    clock.setTimer(run('B'), 10);
    await clock.run();
    t.equal(ran.length, 3, `seed ${seed}: every timer ran`);
    orders.add(ran[1] === 'Z' ? 'zero-delay first' : 'earlier timer first');
  }
  t.same([...orders].sort(), ['earlier timer first', 'zero-delay first'], 'both orders occur');
});

t.test('cleared timer does not run', async (t) => {
  const clock = new VirtualClock();
  const ran: string[] = [];
  const cleared = clock.setTimer(() => ran.push('cleared'), 10);
  clock.setTimer(() => ran.push('kept'), 20);
  clock.clearTimer(cleared);
  clock.clearTimer(cleared);
  clock.clearTimer(undefined);

  t.equal(clock.pendingTimers, 1, 'pending after clear');
  await clock.run();
  t.same(ran, ['kept']);
});

t.test('timer clears a later one at its instant', async (t) => {
  const clock = new VirtualClock();
  const ran: string[] = [];
  const later = clock.setTimer(() => ran.push('later'), 10);
  clock.setTimer(() => clock.clearTimer(later), 5);
  await clock.run();
  t.same(ran, []);
});

t.test('mass clearing keeps the rest in order', async (t) => {
  const clock = new VirtualClock({ seed: 'mass-clear' });
  const handles = [];
  for (let index = 0; index < 10_000; index++) handles.push(clock.setTimer(() => undefined, (index * 7_919) % 10_000));
  const keptDueTimes: number[] = [];
  for (let index = 0; index < handles.length; index++) {
    if (index % 10 === 0) {
      const dueMs = (index * 7_919) % 10_000;
      clock.clearTimer(handles[index]);
      clock.setTimer(() => keptDueTimes.push(dueMs), dueMs);
    } else {
      clock.clearTimer(handles[index]);
    }
  }

  t.equal(clock.pendingTimers, 1_000, 'pending after clearing');
  const summary = await clock.run();
  t.equal(summary.timersRun, 1_000, 'timers run');
  t.same(keptDueTimes, [...keptDueTimes].sort((a, b) => a - b), 'due order');
});

t.test('heap orders many random timers', async (t) => {
  const clock = new VirtualClock({ seed: 'heap' });
  let state = 12_345;
  let lastMs = -1;
  let outOfOrder = 0;
  for (let index = 0; index < 200_000; index++) {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    clock.setTimer(() => {
      if (clock.now() < lastMs) outOfOrder++;
      lastMs = clock.now();
    }, state % 100_000);
  }

  const summary = await clock.run();
  t.equal(summary.timersRun, 200_000, 'timers run');
  t.equal(outOfOrder, 0, 'timers out of order');
});

t.test('microtasks drain before the next timer', async (t) => {
  const clock = new VirtualClock({ seed: 'microtasks' });
  const log: string[] = [];
  for (const name of ['a', 'b', 'c', 'd']) {
    clock.setTimer(() => {
      log.push(`${name} start`);
      void (async () => {
        for (let step = 0; step < 5; step++) await Promise.resolve();
        await new Promise<void>((resolve) => queueMicrotask(resolve));
        await new Promise<void>((resolve) => process.nextTick(resolve));
        log.push(`${name} end`);
      })();
    }, 10);
  }

  await clock.run();
  const interleaved = log.filter((entry, index) => entry.endsWith('start') && index > 0 && !(log[index - 1] ?? '').endsWith('end'));
  t.equal(log.length, 8, 'entries');
  t.same(interleaved, [], 'every chain ended before the next timer started');
});

t.test('microtasks from setup run before the first timer', async (t) => {
  const clock = new VirtualClock();
  const log: string[] = [];
  clock.setTimer(() => log.push('timer'), 0);
  void Promise.resolve()
    .then(() => undefined)
    .then(() => log.push('setup chain'));
  await clock.run();
  t.same(log, ['setup chain', 'timer']);
});

t.test('sleep resumes async functions', async (t) => {
  const clock = new VirtualClock();
  const wakes: number[] = [];
  const worker = async (): Promise<void> => {
    await clock.sleep(5);
    wakes.push(clock.now());
    await clock.sleep(7);
    wakes.push(clock.now());
    await clock.sleep(0);
    wakes.push(clock.now());
  };

  const done = worker();
  await clock.run();
  await done;
  t.same(wakes, [5, 12, 12]);
});

t.test('periodic schedule ticks every 20 ms', async (t) => {
  for (const startMs of [0, 3.7]) {
    const clock = new VirtualClock({ seed: 'periodic' });
    const ticks = 10_000;
    let count = 0;
    let off = 0;
    const schedule = new PeriodicSchedule(clock, startMs, 20, (scheduledMs, index) => {
      if (scheduledMs !== startMs + index * 20 || clock.now() !== scheduledMs) off++;
      if (++count === ticks) schedule.stop();
    });

    const summary = await clock.run();
    t.equal(count, ticks, `ticks from ${startMs}`);
    t.equal(off, 0, `ticks off the grid from ${startMs}`);
    t.equal(summary.endMs, startMs + (ticks - 1) * 20, `end time from ${startMs}`);
  }
});

t.test('untilMs stops and advances time', async (t) => {
  const clock = new VirtualClock();
  const ran: number[] = [];
  for (const delay of [10, 100, 101]) clock.setTimer(() => ran.push(delay), delay);

  const summary = await clock.run({ untilMs: 100 });
  t.same(ran, [10, 100], 'timers due by 100 ms');
  t.same(summary, { stop: 'time', startMs: 0, endMs: 100, timersRun: 2 }, 'summary');
  t.equal(clock.pendingTimers, 1, 'later timer still pending');

  const empty = new VirtualClock();
  await empty.run({ untilMs: 250 });
  t.equal(empty.now(), 250, 'time advances with no timers');
});

t.test('until stops the run', async (t) => {
  const clock = new VirtualClock();
  let count = 0;
  const schedule = new PeriodicSchedule(clock, 0, 20, () => count++);
  const summary = await clock.run({ until: () => count === 3 });
  schedule.stop();
  t.equal(summary.stop, 'until', 'stop reason');
  t.equal(clock.now(), 40, 'time of the third tick');
});

t.test('runUntil resolves when the condition holds', async (t) => {
  const clock = new VirtualClock();
  let done = false;
  clock.setTimer(() => (done = true), 300);
  const summary = await clock.runUntil(() => done, { maxMs: 1_000 });
  t.equal(summary.stop, 'until', 'stop reason');
  t.equal(clock.now(), 300, 'time');
});

t.test('runUntil times out naming pending items', async (t) => {
  const clock = new VirtualClock();
  const schedule = new PeriodicSchedule(clock, 0, 20, () => undefined);
  const err = await rejectionOf(clock.runUntil(() => false, { maxMs: 1_000, pending: () => ['call-3 (talking)'] }));
  schedule.stop();

  t.equal(err.code, 'VL_SIM_TIMEOUT', 'code');
  t.same(err.pending, ['call-3 (talking)'], 'pending items');
  t.match(err.message, /call-3 \(talking\)/, 'message names the item');
  t.equal(clock.now(), 1_000, 'time at the limit');
});

t.test('empty queue with pending work deadlocks', async (t) => {
  const clock = new VirtualClock();
  clock.setTimer(() => undefined, 40);
  const pending = ['call-1 (ringing)', 'call-2 (waiting for agent audio)'];
  const err = await rejectionOf(clock.run({ pending: () => pending }));

  t.equal(err.code, 'VL_SIM_DEADLOCK', 'code');
  t.same(err.pending, pending, 'pending items');
  t.match(err.message, /call-1 \(ringing\)/, 'message names the first item');
  t.match(err.message, /call-2 \(waiting for agent audio\)/, 'message names the second item');
  t.equal(err.atMs, 40, 'time of the deadlock');
});

t.test('empty queue before until deadlocks', async (t) => {
  const clock = new VirtualClock();
  await t.rejects(clock.run({ until: () => false }), { code: 'VL_SIM_DEADLOCK' });
});

t.test('empty pending list ends idle', async (t) => {
  const clock = new VirtualClock();
  clock.setTimer(() => undefined, 10);
  const summary = await clock.run({ pending: () => [] });
  t.equal(summary.stop, 'idle');
});

t.test('zero-delay loop trips the livelock guard', async (t) => {
  const clock = new VirtualClock({ maxTimersPerInstant: 1_000 });
  const spin = (): void => {
    clock.setTimer(spin, 0);
  };
  clock.setTimer(spin, 10);
  const err = await rejectionOf(clock.run({ pending: () => ['spinner (polling)'] }));

  t.equal(err.code, 'VL_SIM_LIVELOCK', 'code');
  t.same(err.pending, ['spinner (polling)'], 'pending items');
  t.equal(clock.now(), 10, 'time of the livelock');
  t.equal(clock.timersRun, 1_000, 'timers run before the guard tripped');
});

t.test('livelock limit allows exactly max timers', async (t) => {
  const clock = new VirtualClock({ maxTimersPerInstant: 50 });
  for (let index = 0; index < 50; index++) clock.setTimer(() => undefined, 5);
  for (let index = 0; index < 50; index++) clock.setTimer(() => undefined, 6);
  const summary = await clock.run();
  t.equal(summary.timersRun, 100);
});

t.test('hold pauses time for real I/O', async (t) => {
  const clock = new VirtualClock();
  const log: string[] = [];
  const path = fileURLToPath(import.meta.url);
  clock.setTimer(() => {
    const release = clock.hold(`read ${path}`);
    void readFile(path, 'utf8')
      .then((text) => log.push(`read ${text.length > 0} at ${clock.now()}`))
      .finally(release);
  }, 0);
  clock.setTimer(() => log.push(`timer at ${clock.now()}`), 1);

  await clock.run();
  t.same(log, ['read true at 0', 'timer at 1']);
});

t.test('hold blocks timers at the same instant', async (t) => {
  const clock = new VirtualClock({ seed: 'hold-ties' });
  const log: string[] = [];
  const path = fileURLToPath(import.meta.url);
  for (const name of ['a', 'b', 'c']) {
    clock.setTimer(() => {
      log.push(`${name} start`);
      const release = clock.hold(name);
      void readFile(path).then(() => {
        log.push(`${name} read`);
        release();
      });
    }, 0);
  }

  await clock.run();
  const unpaired = log.filter((entry, index) => entry.endsWith('start') && log[index + 1] !== entry.replace('start', 'read'));
  t.equal(log.length, 6, 'entries');
  t.same(unpaired, [], 'each read finished before the next timer');
});

t.test('release twice is harmless', async (t) => {
  const clock = new VirtualClock();
  const first = clock.hold('first');
  const second = clock.hold('second');
  first();
  first();
  second();
  clock.setTimer(() => undefined, 5);
  const summary = await clock.run();
  t.equal(summary.timersRun, 1);
});

t.test('unreleased hold times out', async (t) => {
  const clock = new VirtualClock({ holdTimeoutMs: 20 });
  clock.setTimer(() => undefined, 5);
  const release = clock.hold('worker reply');
  const err = await rejectionOf(clock.run());
  release();

  t.equal(err.code, 'VL_SIM_HOLD_TIMEOUT', 'code');
  t.same(err.pending, ['worker reply'], 'held reasons');
  t.equal(clock.pendingTimers, 1, 'timer still pending');
});

t.test('throwing callback rejects the run', async (t) => {
  const clock = new VirtualClock();
  clock.setTimer(() => {
    throw new RangeError('boom');
  }, 5);
  clock.setTimer(() => undefined, 10);
  await t.rejects(clock.run(), RangeError, 'run rejects with the error');

  const summary = await clock.run();
  t.equal(summary.timersRun, 1, 'next run continues');
});

t.test('second concurrent run is rejected', async (t) => {
  const clock = new VirtualClock();
  clock.setTimer(() => undefined, 5);
  const first = clock.run();
  await t.rejects(clock.run(), { code: 'VL_SIM_ALREADY_RUNNING' });
  await first;
});

t.test('timers set between runs run next time', async (t) => {
  const clock = new VirtualClock();
  clock.setTimer(() => undefined, 5);
  await clock.run();
  let ranAt = -1;
  clock.setTimer(() => (ranAt = clock.now()), 5);
  await clock.run();
  t.equal(ranAt, 10);
});

t.test('clearing a fired timer changes nothing', async (t) => {
  const clock = new VirtualClock();
  const fired = clock.setTimer(() => {}, 5);
  clock.setTimer(() => {}, 50);
  await clock.run({ untilMs: 10 });
  clock.clearTimer(fired);
  t.equal(clock.pendingTimers, 1, 'only the later timer is pending');
  const summary = await clock.run();
  t.equal(summary.timersRun, 1, 'the later timer still runs');
  t.equal(clock.pendingTimers, 0);
});

t.test('cleared timer releases its callback', async (t) => {
  const clock = new VirtualClock();
  let calls = 0;
  const handle = clock.setTimer(() => calls++, 1_000) as unknown as { callback: () => void };
  const original = handle.callback;
  clock.clearTimer(handle as never);
  t.not(handle.callback, original, 'the callback, and what it closes over, can be collected');
  await clock.run();
  t.equal(calls, 0, 'the cleared timer does not run');
});
