// Measures simulated call-seconds per wall-second and per CPU-second for a
// sim run of the bundled scenario, and the run's resident memory as calls
// finish. Records are summarised as they end and then dropped, as
// `voice-load run` does. Usage:
//   node [--expose-gc] dist/bench/sim-speed.js [repeats] [concurrency] [max turns] [sample every N calls]
// The bundled scenario has 5 rows, so 2000 repeats are 10,000 calls. With
// --expose-gc, each sample also runs a full garbage collection and records
// the heap still in use, which is what finished calls would leave behind.
import { SummaryBuilder } from '../analysis/index.js';
import { loadPreparedAudio, loadVad } from '../audio/index.js';
import { runSimulation } from '../cli/simulation.js';
import { RealClock } from '../core/index.js';
import { loadScenario } from '../driver/index.js';

const repeats = Number(process.argv[2] ?? 20);
const concurrency = Number(process.argv[3] ?? 50);
const maxTurns = process.argv[4] === undefined ? undefined : Number(process.argv[4]);
const sampleEvery = Number(process.argv[5] ?? 500);
const wall = new RealClock();

const audio = await loadPreparedAudio();
const vad = await loadVad();
const loaded = loadScenario(new URL('../../scenarios/support.yaml', import.meta.url).pathname);
const scenario = { ...loaded, repeats, maxParallel: concurrency, ...(maxTurns === undefined ? {} : { maxTurns }) };
const summary = new SummaryBuilder(scenario.turnTimeoutMs);

const startedAt = wall.now();
const cpuBefore = process.cpuUsage();
let peakRss = process.memoryUsage().rss;
const rssSamples: number[] = [];
const heapSamples: number[] = [];
const collectGarbage = (globalThis as { gc?: () => void }).gc;
let callMs = 0;
let calls = 0;
await runSimulation({
  scenario,
  audio,
  vad,
  keepRecords: false,
  onRecord: (record) => {
    callMs += record.duration_ms;
    calls++;
    summary.add(record);
    if (calls % 50 === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
    if (calls % sampleEvery === 0) {
      rssSamples.push(Math.round(process.memoryUsage().rss / 1048576));
      let heap = '';
      if (collectGarbage !== undefined) {
        collectGarbage();
        heapSamples.push(Math.round(process.memoryUsage().heapUsed / 104857.6) / 10);
        heap = `, heap after GC ${heapSamples.at(-1)} MB`;
      }
      process.stderr.write(`${calls} calls, ${Math.round(wall.now() - startedAt) / 1000} s, rss ${rssSamples.at(-1)} MB${heap}\n`);
    }
  },
});
const wallMs = wall.now() - startedAt;
const cpu = process.cpuUsage(cpuBefore);
// User plus system CPU of the whole process, in ms: steadier than wall time on a shared machine.
const cpuMs = (cpu.user + cpu.system) / 1000;
const result = summary.summary();

console.log(JSON.stringify({
  calls,
  completed: result.calls.completed,
  concurrency,
  conv_latency_p50_ms: result.conv_latency.p50,
  wall_s: Math.round(wallMs) / 1000,
  cpu_s: Math.round(cpuMs) / 1000,
  simulated_call_s: Math.round(callMs / 1000),
  call_s_per_wall_s: Math.round(callMs / wallMs),
  call_s_per_cpu_s: Math.round(callMs / cpuMs),
  peak_rss_mb: Math.round(peakRss / 1048576),
  [`rss_mb_every_${sampleEvery}_calls`]: rssSamples,
  ...(collectGarbage === undefined ? {} : { [`heap_mb_after_gc_every_${sampleEvery}_calls`]: heapSamples }),
}));
