import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Command } from 'commander';

import { compareRuns, conversationLatencies, type Comparison } from '../analysis/compare.js';
import { chartLibrarySource } from '../analysis/report/chart-library.js';
import { formatComparisonTable, renderComparePage } from '../analysis/report/index.js';
import { readRunResults } from '../analysis/results-reader.js';
import type { Output } from './run-command.js';

export interface CompareCommandOptions {
  /** Run folder of the baseline, A. */
  a: string;
  /** Run folder compared with it, B. */
  b: string;
  /** Path of the HTML page; `<b>/compare.html` when absent. */
  html?: string;
}

/** Compares two run folders: prints the table on stdout and writes the HTML page. */
export function compareCommand(options: CompareCommandOptions, output: Output): { comparison: Comparison; htmlPath: string } {
  const a = readRunResults(options.a);
  const b = readRunResults(options.b);
  const comparison = compareRuns(a, b);
  const htmlPath = options.html ?? join(options.b, 'compare.html');
  writeFileSync(htmlPath, renderComparePage(comparison, { a: conversationLatencies(a), b: conversationLatencies(b) }, chartLibrarySource()));
  output.out(`${formatComparisonTable(comparison)}\ncomparison page: ${htmlPath}\n`);
  return { comparison, htmlPath };
}

/** Adds `voice-load compare A B`. */
export function addCompareCommand(program: Command, output: Output): void {
  program
    .command('compare')
    .description('Show what changed from run folder A to run folder B: latency figures, completion, start failures, and a Mann-Whitney U test on per-conversation latency.')
    .argument('<a>', 'run folder of the baseline')
    .argument('<b>', 'run folder to compare with it')
    .option('--html <file>', 'where to write the comparison page (default <b>/compare.html)')
    .action((a: string, b: string, flags: { html?: string }) => {
      compareCommand({ a, b, ...(flags.html === undefined ? {} : { html: flags.html }) }, output);
    });
}
