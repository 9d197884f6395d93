import type { Command } from 'commander';

import { formatSummaryTable, type Summary } from '../analysis/index.js';
import { formatThresholdResults, writeReport } from '../analysis/report/index.js';
import { evaluateThresholds, thresholdExitStatus, type Threshold } from '../analysis/thresholds.js';
import type { Output } from './run-command.js';

/** Renders `report.html` in a run folder and prints its path. */
export function reportCommand(dir: string, output: Output): string {
  const path = writeReport(dir);
  output.out(`report: ${path}\n`);
  return path;
}

/** Adds `voice-load report DIR`. */
export function addReportCommand(program: Command, output: Output): void {
  program
    .command('report')
    .description('Render report.html in a run folder again from its calls.jsonl, summary.json, run.json, findings.json, switch-metrics.jsonl and recordings.')
    .argument('<dir>', 'run folder')
    .action((dir: string) => {
      reportCommand(dir, output);
    });
}

/**
 * Prints a finished run's summary. With `json`, stdout gets exactly
 * `summary.json`'s content and the table goes to stderr; otherwise the
 * table and the results folder go to stdout.
 */
export function printRunSummary(summary: Summary, outDir: string, output: Output, json: boolean): void {
  const table = `${formatSummaryTable(summary)}\n\nresults: ${outDir}\n`;
  if (!json) {
    output.out(table);
    return;
  }
  output.err(table);
  output.out(`${JSON.stringify(summary, null, 2)}\n`);
}

/** Checks the run's thresholds, prints one line each on stderr, and returns the exit status: 0, or 3 when any failed. */
export function reportThresholds(summary: Summary, thresholds: readonly Threshold[], output: Output): number {
  if (thresholds.length === 0) return 0;
  const evaluation = evaluateThresholds(summary, thresholds);
  output.err(formatThresholdResults(evaluation));
  return thresholdExitStatus(evaluation);
}
