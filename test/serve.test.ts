import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import t, { type Test } from 'tap';

import { silentLogger } from '../core/index.js';
import { startDashboard } from '../cli/serve.js';
import { writeRunFolder } from './helpers/run-fixture.js';

/** Sends a GET with `path` exactly as given, because fetch would normalize `..` away. */
function rawGet(url: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function build(t: Test) {
  const base = mkdtempSync(join(tmpdir(), 'voice-load-serve-'));
  const dir = join(base, 'results');
  writeRunFolder(join(dir, 'run-old'), [{ id: 'o1', turns: [1000] }], { startedAt: '2025-01-01T00:00:00.000Z' });
  writeRunFolder(join(dir, 'run-new'), [{ id: 'n1', turns: [1200] }, { id: 'n2', turns: [1400] }], { startedAt: '2025-02-01T00:00:00.000Z' });
  mkdirSync(join(dir, 'run-new', 'recordings'));
  writeFileSync(join(dir, 'run-new', 'recordings', 'n1.wav'), Buffer.alloc(1000, 7));
  writeFileSync(join(base, 'secret.txt'), 'outside the results folder\n');
  symlinkSync(join(base, 'secret.txt'), join(dir, 'run-new', 'link.txt'));
  symlinkSync(base, join(dir, 'escape'));

  const server = await startDashboard({ dir, host: '127.0.0.1', port: 0, logger: silentLogger() });
  t.teardown(() => server.close());
  return { server, dir };
}

t.test('dashboard lists runs newest first', async (t) => {
  const { server } = await build(t);
  const response = await fetch(server.url);
  const html = await response.text();

  t.equal(response.status, 200);
  t.match(response.headers.get('content-type') ?? '', /text\/html/);
  t.match(html, /<a href="run-new\/report.html">run-new<\/a>/, 'links to the report');
  t.ok(html.indexOf('data-run="run-new"') < html.indexOf('data-run="run-old"'), 'newest run first');
  t.match(html, /<tr data-run="run-new"><td class="text">.*?<\/td><td class="text">2025-02-01T00:00:00.000Z<\/td><td>2<\/td><td>100.0%<\/td>/, 'shows start time, calls and completed rate');
  t.notMatch(html, /data-run="escape"/, 'a symbolic link is not listed');
});

t.test('report is rendered on demand', async (t) => {
  const { server } = await build(t);
  const response = await fetch(new URL('run-old/report.html', server.url));
  const html = await response.text();

  t.equal(response.status, 200);
  t.match(html, /<title>voice-load report: run-old<\/title>/);
  t.match(html, /data-metric="conv_latency_p90"/);
});

t.test('run folder redirects to its report', async (t) => {
  const { server } = await build(t);
  const response = await rawGet(server.url, '/run-new/');
  t.equal(response.status, 302);
  t.equal(response.headers['location'], '/run-new/report.html');
});

t.test('recording is served with ranges', async (t) => {
  const { server } = await build(t);
  const whole = await rawGet(server.url, '/run-new/recordings/n1.wav');
  t.equal(whole.status, 200);
  t.equal(whole.headers['content-type'], 'audio/wav');
  t.equal(whole.body.length, 1000);

  const part = await rawGet(server.url, '/run-new/recordings/n1.wav', { range: 'bytes=100-199' });
  t.equal(part.status, 206);
  t.equal(part.headers['content-range'], 'bytes 100-199/1000');
  t.equal(part.body.length, 100);
});

t.test('paths out of the folder are rejected', async (t) => {
  const { server } = await build(t);
  const paths = ['/../secret.txt', '/run-new/../../secret.txt', '/%2e%2e/secret.txt', '/run-new/%2e%2e/%2e%2e/secret.txt', '/..%2fsecret.txt', '/run-new/link.txt', '/escape/secret.txt', '/run-new/..%5c..%5csecret.txt'];
  for (const path of paths) {
    const response = await rawGet(server.url, path);
    t.ok(response.status === 403 || response.status === 404, `${path} gets ${response.status}`);
    t.notMatch(response.body.toString(), /outside the results folder/, `${path} does not leak the file`);
  }
});

t.test('missing file is 404', async (t) => {
  const { server } = await build(t);
  t.equal((await rawGet(server.url, '/run-new/nothing.json')).status, 404);
  t.equal((await rawGet(server.url, '/no-such-run/report.html')).status, 404);
});
