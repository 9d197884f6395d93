import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

let cached: string | undefined;

/**
 * Returns the source of Chart.js's UMD build (it defines `window.Chart`),
 * read from the installed package so that a report can inline it and open
 * with no network. Any `</script` in it is escaped as `<\/script`, which
 * reads the same inside the JavaScript strings and comments where it could
 * occur.
 */
export function chartLibrarySource(): string {
  if (cached === undefined) {
    const main = createRequire(import.meta.url).resolve('chart.js');
    cached = readFileSync(join(dirname(main), 'chart.umd.min.js'), 'utf8').replace(/<\/script/gi, '<\\/script');
  }
  return cached;
}
