import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

import t from 'tap';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SKIPPED_DIRS = new Set(['core', 'node_modules', 'dist', '.git', '.tap', 'results', 'coverage']);

/** Time sources that bypass the injected Clock. */
const FORBIDDEN: Array<[string, RegExp]> = [
  ['setTimeout', /\bsetTimeout\s*\(/],
  ['setInterval', /\bsetInterval\s*\(/],
  ['setImmediate', /\bsetImmediate\s*\(/],
  ['Date.now', /\bDate\.now\s*\(/],
  ['new Date()', /\bnew\s+Date\s*\(\s*\)/],
  ['performance.now', /\bperformance\.now\s*\(/],
  ['process.hrtime', /\bprocess\.hrtime\b/],
  ['node:timers', /from\s+['"](node:)?timers(\/promises)?['"]|import\(\s*['"](node:)?timers/],
  ['node:perf_hooks', /from\s+['"](node:)?perf_hooks['"]|import\(\s*['"](node:)?perf_hooks/],
];

function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

/** Names of the forbidden time sources used in `source`. */
export function forbiddenUses(source: string): string[] {
  const code = stripComments(source);
  return FORBIDDEN.filter(([, pattern]) => pattern.test(code)).map(([name]) => name);
}

function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (!SKIPPED_DIRS.has(name) && !name.startsWith('.')) files.push(...sourceFiles(path));
    } else if (/\.(ts|mts|js|mjs)$/.test(name) && !name.endsWith('.d.ts')) {
      files.push(path);
    }
  }
  return files;
}

t.test('scanner flags every forbidden time source', async (t) => {
  const sample = [
    'setTimeout(f, 1);',
    'setInterval(f, 20);',
    'setImmediate(f);',
    'const a = Date.now();',
    'const b = new Date();',
    'performance.now();',
    'process.hrtime.bigint();',
    "import { setTimeout as wait } from 'node:timers/promises';",
    "import { performance } from 'perf_hooks';",
  ].join('\n');
  t.same(forbiddenUses(sample), FORBIDDEN.map(([name]) => name));
});

t.test('scanner ignores comments and dated constructors', async (t) => {
  t.same(forbiddenUses('// setInterval drifts\n/* Date.now() */\nconst d = new Date(ms);'), []);
});

t.test('time goes through the clock outside core', async (t) => {
  const self = fileURLToPath(import.meta.url);
  const offenders: string[] = [];
  for (const file of sourceFiles(ROOT)) {
    if (file === self) continue;
    const uses = forbiddenUses(readFileSync(file, 'utf8'));
    if (uses.length > 0) offenders.push(`${relative(ROOT, file)}: ${uses.join(', ')}`);
  }
  t.same(offenders, [], 'use the injected Clock (core/clock.ts) instead');
});
