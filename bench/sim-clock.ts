// Measures the virtual clock and in-memory links in timers (or messages)
// per real second. Build, then run:
//   npm run build && node dist/bench/sim-clock.js
// Each figure depends on the machine; record it with the CPU and Node version.
import seedrandom from 'seedrandom';

import { createMemoryLinkPair, PeriodicSchedule, RealClock, VirtualClock } from '../core/index.js';

const realClock = new RealClock();

interface Result {
  name: string;
  count: number;
  unit: string;
  realMs: number;
}

/** Runs one million timers at random due times over 100 s, all scheduled before the run. */
async function preScheduledTimers(): Promise<Result> {
  const count = 1_000_000;
  const clock = new VirtualClock({ seed: 'bench' });
  const random = seedrandom('bench:due-times');
  const startMs = realClock.now();
  for (let index = 0; index < count; index++) clock.setTimer(() => undefined, Math.floor(random() * 100_000));
  await clock.run();
  return { name: 'pre-scheduled timers', count, unit: 'timers', realMs: realClock.now() - startMs };
}

/** Runs 1,000 periodic 20 ms schedules with seeded phases for 20 s of virtual time: one million ticks. */
async function periodicTicks(): Promise<Result> {
  const schedules = 1_000;
  const virtualMs = 20_000;
  const clock = new VirtualClock({ seed: 'bench' });
  const random = seedrandom('bench:phases');
  let ticks = 0;
  const running: PeriodicSchedule[] = [];
  for (let index = 0; index < schedules; index++) running.push(new PeriodicSchedule(clock, random() * 20, 20, () => ticks++));

  const startMs = realClock.now();
  await clock.run({ untilMs: virtualMs });
  const realMs = realClock.now() - startMs;
  for (const schedule of running) schedule.stop();
  return { name: 'periodic 20 ms ticks', count: ticks, unit: 'timers', realMs };
}

/** Sends 1,000 160-byte frames one way over each of 1,000 link pairs, one frame per pair every 20 ms. */
async function linkMessages(): Promise<Result> {
  const pairs = 1_000;
  const framesPerPair = 1_000;
  const clock = new VirtualClock({ seed: 'bench' });
  const frame = Buffer.alloc(160, 0xff);
  let received = 0;
  for (let index = 0; index < pairs; index++) {
    const [sender, receiver] = createMemoryLinkPair(clock);
    receiver.onMessage(() => received++);
    let sent = 0;
    const schedule = new PeriodicSchedule(clock, index % 20, 20, () => {
      sender.send(frame);
      if (++sent === framesPerPair) schedule.stop();
    });
  }

  const startMs = realClock.now();
  await clock.run();
  return { name: 'link messages (20 ms sends)', count: received, unit: 'messages', realMs: realClock.now() - startMs };
}

function report(result: Result): void {
  const perSecond = Math.round(result.count / (result.realMs / 1000));
  console.log(`${result.name}: ${result.count} ${result.unit} in ${result.realMs.toFixed(0)} ms real, ${perSecond} ${result.unit}/s`);
}

for (const bench of [preScheduledTimers, periodicTicks, linkMessages]) report(await bench());
