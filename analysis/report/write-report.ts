import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { readRunResults } from '../results-reader.js';
import { chartLibrarySource } from './chart-library.js';
import { buildReportModel } from './model.js';
import { renderReportPage } from './report-page.js';

/** File name of the run report inside a run folder. */
export const REPORT_FILE = 'report.html';

/**
 * Renders `report.html` in a run folder from its `summary.json`,
 * `calls.jsonl`, `run.json`, `recordings/`, `findings.json` and
 * `switch-metrics.jsonl`, replacing any earlier one. Returns the report's
 * path.
 */
export function writeReport(dir: string): string {
  const results = readRunResults(dir);
  const html = renderReportPage(buildReportModel(results), chartLibrarySource());
  const path = join(dir, REPORT_FILE);
  writeFileSync(path, html);
  return path;
}
