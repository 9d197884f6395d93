import { createReadStream, existsSync, realpathSync, statSync } from 'node:fs';
import { basename, extname, join, resolve, sep } from 'node:path';

import { Command, Option } from 'commander';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';

import { isRunFolder, listRunFolders } from '../analysis/results-reader.js';
import { renderDashboardPage, REPORT_FILE, writeReport } from '../analysis/report/index.js';
import { createLogger, UsageError, type Logger } from '../core/index.js';
import { flag, LOG_LEVELS, parseHost, parseLogLevel, parsePort } from './flags.js';
import type { Output } from './run-command.js';

/** Defaults of `voice-load serve`. */
export const SERVE_DEFAULTS = Object.freeze({
  dir: 'results',
  host: '127.0.0.1',
  port: 8090,
  /** Fastify logs each request at info, so the default shows only problems. */
  logLevel: 'warn',
});

const CONTENT_TYPES: Readonly<Record<string, string>> = Object.freeze({
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.jsonl': 'application/x-ndjson; charset=utf-8',
  '.wav': 'audio/wav',
  '.png': 'image/png',
  '.txt': 'text/plain; charset=utf-8',
});

export interface DashboardOptions {
  /** Folder whose run folders are listed and served. */
  dir: string;
  host?: string;
  port?: number;
  logger: Logger;
}

export interface DashboardServer {
  url: string;
  close(): Promise<void>;
}

/** Target of a request path inside the served folder. */
type Resolution = { kind: 'file'; path: string } | { kind: 'run'; path: string } | { kind: 'forbidden' } | { kind: 'missing' };

/**
 * Starts the results dashboard: `/` lists the run folders in `dir`, and
 * every other path serves a file inside `dir`, where `NAME/report.html` is
 * rendered first when missing. Paths with `.` or `..` segments, NUL bytes
 * or backslashes, and symbolic links that lead outside `dir`, get 403.
 */
export async function startDashboard(options: DashboardOptions): Promise<DashboardServer> {
  if (!existsSync(options.dir) || !statSync(options.dir).isDirectory()) {
    throw new UsageError('VL_RESULTS_NOT_FOUND', `results folder ${options.dir} is not found`, 'pass the folder that contains your run folders, such as results');
  }
  const root = realpathSync(options.dir);
  const logger = options.logger;
  // Closing drops open keep-alive connections at once, because browsers keep them for minutes.
  const app = Fastify({ loggerInstance: logger, forceCloseConnections: true });

  app.get('/', async (_request, reply) => {
    return reply.type(CONTENT_TYPES['.html']!).send(renderDashboardPage(resolve(options.dir), listRunFolders(root)));
  });
  app.get('/*', async (request, reply) => serveInside(root, request, reply, logger));

  await app.listen({ host: options.host ?? SERVE_DEFAULTS.host, port: options.port ?? SERVE_DEFAULTS.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  const host = options.host ?? SERVE_DEFAULTS.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/`;
  logger.info({ dir: root, url }, 'dashboard listening');
  return {
    url,
    close: async () => {
      await app.close();
      logger.info({ url }, 'dashboard closed');
    },
  };
}

async function serveInside(root: string, request: FastifyRequest, reply: FastifyReply, logger: Logger): Promise<FastifyReply> {
  const target = resolveRequestPath(root, request.raw.url ?? '/');
  if (target.kind === 'forbidden') return reply.code(403).type('text/plain').send('forbidden: the path leaves the results folder\n');
  if (target.kind === 'run') return reply.redirect(`/${encodeURIComponent(basename(target.path))}/${REPORT_FILE}`);
  if (target.kind === 'missing') {
    const rendered = renderMissingReport(root, request.raw.url ?? '/', logger);
    if (rendered === undefined) return reply.code(404).type('text/plain').send('not found\n');
    return sendFile(rendered, request, reply);
  }
  return sendFile(target.path, request, reply);
}

/** Maps a request URL to a path inside `root`, or to the reason there is none. */
export function resolveRequestPath(root: string, url: string): Resolution {
  let decoded: string;
  try {
    decoded = decodeURIComponent(url.split('?')[0]!);
  } catch {
    return { kind: 'forbidden' };
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return { kind: 'forbidden' };
  const segments = decoded.split('/').filter((segment) => segment !== '');
  if (segments.some((segment) => segment === '.' || segment === '..')) return { kind: 'forbidden' };

  const candidate = join(root, ...segments);
  if (!existsSync(candidate)) return { kind: 'missing' };
  const real = realpathSync(candidate);
  if (real !== root && !real.startsWith(`${root}${sep}`)) return { kind: 'forbidden' };
  const stats = statSync(real);
  if (stats.isDirectory()) return segments.length === 1 && isRunFolder(real) ? { kind: 'run', path: real } : { kind: 'missing' };
  return stats.isFile() ? { kind: 'file', path: real } : { kind: 'missing' };
}

/** Renders `NAME/report.html` for a run folder that has none yet; returns its path, or undefined when the URL is not such a report. */
function renderMissingReport(root: string, url: string, logger: Logger): string | undefined {
  const segments = decodeURIComponent(url.split('?')[0]!).split('/').filter((segment) => segment !== '');
  if (segments.length !== 2 || segments[1] !== REPORT_FILE) return undefined;
  const runDir = resolveRequestPath(root, `/${segments[0]}`);
  if (runDir.kind !== 'run') return undefined;
  try {
    return writeReport(runDir.path);
  } catch (err) {
    logger.error({ err, run: runDir.path }, 'report rendering failed');
    return undefined;
  }
}

/** Sends a file, honouring a single `bytes=START-END` range so that audio players can seek. */
function sendFile(path: string, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const size = statSync(path).size;
  reply.type(CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream').header('accept-ranges', 'bytes');
  const range = parseRange(request.headers.range, size);
  if (range === 'invalid') return reply.code(416).header('content-range', `bytes */${size}`).send();
  if (range === undefined) return reply.header('content-length', size).send(createReadStream(path));
  return reply
    .code(206)
    .header('content-range', `bytes ${range.start}-${range.end}/${size}`)
    .header('content-length', range.end - range.start + 1)
    .send(createReadStream(path, range));
}

function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'invalid' | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (match === null || (match[1] === '' && match[2] === '')) return 'invalid';
  const start = match[1] === '' ? Math.max(0, size - Number(match[2])) : Number(match[1]);
  const end = match[1] === '' || match[2] === '' ? size - 1 : Math.min(size - 1, Number(match[2]));
  return start > end || start >= size ? 'invalid' : { start, end };
}

/** Adds `voice-load serve [DIR]`, which serves the dashboard until SIGTERM or SIGINT. */
export function addServeCommand(program: Command, output: Output): void {
  program
    .command('serve')
    .description('Serve a dashboard of the run folders in DIR, each linking to its report.html (rendered when missing).')
    .argument('[dir]', `folder that holds run folders (default ${SERVE_DEFAULTS.dir})`, SERVE_DEFAULTS.dir)
    .addOption(new Option('-p, --port <port>', `TCP port to listen on, 0 for a free one (default ${SERVE_DEFAULTS.port})`).argParser(flag(parsePort)).default(SERVE_DEFAULTS.port, String(SERVE_DEFAULTS.port)))
    .addOption(new Option('--host <host>', `interface to listen on; 0.0.0.0 exposes the results to the network (default ${SERVE_DEFAULTS.host})`).argParser(flag(parseHost)).default(SERVE_DEFAULTS.host, SERVE_DEFAULTS.host))
    .addOption(new Option('--log-level <level>', `level of the pino logs written to stderr: ${LOG_LEVELS.join(', ')} (default ${SERVE_DEFAULTS.logLevel})`).argParser(flag(parseLogLevel)))
    .action(async (dir: string, flags: Record<string, unknown>) => {
      const logger = createLogger('serve', (flags['logLevel'] as string | undefined) ?? process.env['VOICE_LOAD_LOG_LEVEL'] ?? SERVE_DEFAULTS.logLevel);
      const server = await startDashboard({ dir, host: flags['host'] as string, port: flags['port'] as number, logger });
      output.out(`dashboard of ${resolve(dir)} listening on ${server.url}\n`);
      const signal = await nextStopSignal();
      logger.info({ signal }, 'stop signal received, closing');
      await server.close();
    });
}

function nextStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolveSignal) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolveSignal(signal);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}
