import t from 'tap';

import { defaultScenarioPath } from '../cli/run-command.js';
import { speechRequests } from '../cli/sweep-command.js';
import { validateCase, type ValidateCase } from '../cli/validate-cases.js';
import { runCase } from '../cli/validate-command.js';
import { loadVad, prepareSpeech } from '../audio/index.js';
import { loadScenario } from '../driver/index.js';

const base = loadScenario(defaultScenarioPath());
const vad = await loadVad();
const audio = await prepareSpeech(speechRequests({ ...base, maxTurns: 2 }), { vad });

function run(testCase: ValidateCase, seed: string) {
  return runCase(testCase, seed, 'sim', base, audio, vad);
}

t.test('leak found at another strength and onset', async (t) => {
  const testCase = validateCase('leak', 2.5);
  const result = await run({ ...testCase, mock: { ...testCase.mock, startAfterMs: 40_000 } }, 'onset-leak');
  t.ok(result.found.includes('leak'), `found ${result.found.join(', ') || 'nothing'}`);
  t.equal(result.pass, true, 'no finding the case does not allow');
});

t.test('timeouts found at another strength', async (t) => {
  const result = await run(validateCase('timeouts', 2), 'strong-timeouts');
  t.ok(result.found.includes('timeouts'), `found ${result.found.join(', ') || 'nothing'}`);
  t.equal(result.pass, true, 'no finding the case does not allow');
});

t.test('slow path found at another share', async (t) => {
  const result = await run(validateCase('slow-path', 2.5), 'wide-slow-path');
  t.ok(result.found.includes('slow-path'), `found ${result.found.join(', ') || 'nothing'}`);
  t.equal(result.pass, true, 'no finding the case does not allow');
});

t.test('mixed saturation and cps limit both named', async (t) => {
  const saturation = validateCase('saturation', 2);
  const mixed: ValidateCase = { ...saturation, allowed: [...saturation.allowed, 'cps-limit'], switchOptions: { callsPerSecond: 3, cpsBurst: 2 } };
  const result = await run(mixed, 'mixed');
  t.ok(result.found.includes('saturation'), `found ${result.found.join(', ') || 'nothing'}: saturation named`);
  t.ok(result.found.includes('cps-limit'), 'cps limit named');
});

t.test('tts limit found at another strength and onset', async (t) => {
  const testCase = validateCase('tts-limit', 2.5);
  const result = await run({ ...testCase, mock: { ...testCase.mock, startAfterMs: 15_000 } }, 'onset-tts-limit');
  t.ok(result.found.includes('tts-limit'), `found ${result.found.join(', ') || 'nothing'}`);
  t.equal(result.pass, true, 'no finding the case does not allow');
});

t.test('routing found at another strength', async (t) => {
  const result = await run(validateCase('routing', 1.5), 'strong-routing');
  t.ok(result.found.includes('routing'), `found ${result.found.join(', ') || 'nothing'}`);
  t.equal(result.pass, true, 'no finding the case does not allow');
});

t.test('mixed leak and slow path both named', async (t) => {
  // Each at about twice its minimum detectable strength: a leak of 2 ms per call, and 20% of calls on the slow path.
  const leak = validateCase('leak', 0.2);
  const mixed: ValidateCase = { ...leak, allowed: [...leak.allowed, 'slow-path'], mock: { ...leak.mock, slowPath: { share: 0.2, extraMs: 1500 } } };
  const result = await run(mixed, 'mixed-leak-slow');
  t.ok(result.found.includes('leak'), `found ${result.found.join(', ') || 'nothing'}: leak named`);
  t.ok(result.found.includes('slow-path'), 'slow path named');
  t.equal(result.pass, true, 'no finding the mix does not allow');
});
