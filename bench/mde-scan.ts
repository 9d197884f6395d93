// Scans fault strengths to estimate each mode's minimum detectable effect:
// for each strength, the share of seeded sim runs (at validate's run size)
// that get the expected finding. Usage:
//   node dist/bench/mde-scan.js [seeds] [modes] [strengths]
// e.g. node dist/bench/mde-scan.js 6 saturation,leak 0.5,0.75,1,1.5
import { loadVad, prepareSpeech } from '../audio/index.js';
import { defaultScenarioPath } from '../cli/run-command.js';
import { speechRequests } from '../cli/sweep-command.js';
import { VALIDATE_MODE_IDS, validateCase, type ValidateModeId } from '../cli/validate-cases.js';
import { runCase } from '../cli/validate-command.js';
import { loadScenario } from '../driver/index.js';

const seeds = Number(process.argv[2] ?? 6);
const modes = (process.argv[3]?.split(',') ?? VALIDATE_MODE_IDS.filter((mode) => mode !== 'healthy')) as ValidateModeId[];
const strengths = (process.argv[4] ?? '0.5,0.75,1,1.5').split(',').map(Number);

const base = loadScenario(defaultScenarioPath());
const vad = await loadVad();
const audio = await prepareSpeech(speechRequests({ ...base, maxTurns: 2 }), { vad });

for (const mode of modes) {
  for (const strength of strengths) {
    const testCase = validateCase(mode, strength);
    let flagged = 0;
    let passed = 0;
    for (let index = 1; index <= seeds; index++) {
      const result = await runCase(testCase, `mde-${mode}-${strength}-${index}`, 'sim', base, audio, vad);
      if (result.expected !== null && result.found.includes(result.expected)) flagged++;
      if (result.pass) passed++;
    }
    console.log(JSON.stringify({ mode, strength, seeds, flagged, passed }));
  }
}
