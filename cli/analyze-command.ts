import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Command } from 'commander';

import { diagnose, formatDiagnosis, type Diagnosis } from '../analysis/diagnosis/index.js';
import { readDiagnosisInput } from '../analysis/run-data.js';
import type { Output } from './run-command.js';

/** Diagnoses run or sweep folders, prints the findings and writes `findings.json` into the first folder. */
export function analyzeCommand(dirs: readonly string[], output: Output, json = false): Diagnosis {
  const diagnosis = diagnose(readDiagnosisInput(dirs));
  writeFileSync(join(dirs[0]!, 'findings.json'), `${JSON.stringify(diagnosis, null, 2)}\n`);
  if (json) output.out(`${JSON.stringify(diagnosis, null, 2)}\n`);
  else output.out(`${formatDiagnosis(diagnosis)}\n`);
  return diagnosis;
}

export function addAnalyzeCommand(program: Command, output: Output): void {
  program
    .command('analyze')
    .description('Name the failure mode behind a run\'s or a sweep\'s numbers, with evidence; reads only calls.jsonl and the switch records, so it works the same on a real agent.')
    .argument('<dirs...>', 'run folders (from `voice-load run`) or a sweep folder (from `voice-load sweep`), in load order')
    .option('--json', 'print the findings as JSON')
    .action((dirs: string[], flags: { json?: boolean }) => {
      analyzeCommand(dirs, output, flags.json === true);
    });
}
