// Measures simulated call-seconds per wall-second for a sim run of the
// bundled scenario. Usage: node dist/bench/sim-speed.js [repeats] [concurrency]
import { loadPreparedAudio, loadVad } from '../audio/index.js';
import { runSimulation } from '../cli/simulation.js';
import { RealClock } from '../core/index.js';
import { loadScenario } from '../driver/index.js';

const repeats = Number(process.argv[2] ?? 20);
const concurrency = Number(process.argv[3] ?? 50);
const wall = new RealClock();

const audio = await loadPreparedAudio();
const vad = await loadVad();
const scenario = { ...loadScenario(new URL('../../scenarios/support.yaml', import.meta.url).pathname), repeats, maxParallel: concurrency };

const startedAt = wall.now();
const rssBefore = process.memoryUsage().rss;
let peakRss = rssBefore;
const rssSamples: number[] = [];
let callMs = 0;
let completed = 0;
const result = await runSimulation({
  scenario,
  audio,
  vad,
  onRecord: (record) => {
    callMs += record.duration_ms;
    if (record.result_completed) completed++;
    const rss = process.memoryUsage().rss;
    peakRss = Math.max(peakRss, rss);
    if ((completed + 1) % 500 === 0) rssSamples.push(Math.round(rss / 1048576));
  },
});
const wallMs = wall.now() - startedAt;

console.log(JSON.stringify({
  calls: result.records.length,
  completed,
  concurrency,
  wall_s: Math.round(wallMs) / 1000,
  simulated_call_s: Math.round(callMs / 1000),
  call_s_per_wall_s: Math.round(callMs / wallMs),
  peak_rss_mb: Math.round(peakRss / 1048576),
  rss_mb_every_500_calls: rssSamples,
}));
