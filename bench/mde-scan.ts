// Scans fault strengths to estimate each mode's minimum detectable effect:
// for each strength, the share of seeded sim runs (at validate's run size)
// that get the expected finding, and the findings of each failed case. Usage:
//   node dist/bench/mde-scan.js [seeds] [modes] [strengths] [first seed]
// e.g. node dist/bench/mde-scan.js 6 saturation,leak 0.5,0.75,1,1.5
import { loadVad, prepareSpeech } from '../audio/index.js';
import { defaultScenarioPath } from '../cli/run-command.js';
import { speechRequests } from '../cli/sweep-command.js';
import { faultSize, VALIDATE_MODE_IDS, validateCase, type ValidateModeId } from '../cli/validate-cases.js';
import { runCase } from '../cli/validate-command.js';
import { loadScenario } from '../driver/index.js';

const seeds = Number(process.argv[2] ?? 6);
const modes = (process.argv[3]?.split(',') ?? VALIDATE_MODE_IDS.filter((mode) => mode !== 'healthy')) as ValidateModeId[];
const strengths = (process.argv[4] ?? '0.5,0.75,1,1.5').split(',').map(Number);
/** Number of the first seed, so that a later scan can add seeds the earlier one did not run. */
const firstSeed = Number(process.argv[5] ?? 1);

const base = loadScenario(defaultScenarioPath());
const vad = await loadVad();
const audio = await prepareSpeech(speechRequests({ ...base, maxTurns: 2 }), { vad });

for (const mode of modes) {
  for (const strength of strengths) {
    const testCase = validateCase(mode, strength);
    let flagged = 0;
    let passed = 0;
    const failures: Array<{ seed: string; found: string[] }> = [];
    for (let index = firstSeed; index < firstSeed + seeds; index++) {
      const seed = `mde-${mode}-${strength}-${index}`;
      const result = await runCase(testCase, seed, 'sim', base, audio, vad);
      if (result.expected !== null && result.found.includes(result.expected)) flagged++;
      if (result.pass) passed++;
      else failures.push({ seed, found: result.found });
    }
    console.log(JSON.stringify({ mode, strength, value: faultSize(testCase), seeds, flagged, passed, failures }));
  }
}
