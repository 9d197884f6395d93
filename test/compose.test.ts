import { readFileSync } from 'node:fs';

import type { Command } from 'commander';
import t from 'tap';
import { parse as parseYaml } from 'yaml';

import { buildProgram } from '../cli/main.js';
import { MOCK_SERVER_DEFAULTS } from '../mock-agent/index.js';

interface ComposeService {
  build?: unknown;
  image?: string;
  command?: string | string[];
  expose?: Array<string | number>;
  ports?: Array<string | number>;
  depends_on?: string[] | Record<string, unknown>;
  volumes?: string[];
  healthcheck?: { test?: string | string[] };
}

/** A compose command as the voice-load CLI parses it. */
interface ParsedCommand {
  name: string;
  options: Record<string, unknown>;
  operands: string[];
  unknown: string[];
}

const compose = parseYaml(readFileSync(new URL('../docker-compose.yml', import.meta.url), 'utf8')) as { services: Record<string, ComposeService>; volumes?: Record<string, unknown> };
const dockerfile = readFileSync(new URL('../Dockerfile', import.meta.url), 'utf8');
const services = compose.services;

/**
 * Parses a compose `command` with the subcommand of the real CLI program,
 * running every flag's own parser, without running the command.
 */
function parseCommand(command: string | string[] | undefined): ParsedCommand {
  const argv = typeof command === 'string' ? command.trim().split(/\s+/) : (command ?? []);
  const [name = '', ...rest] = argv;
  const program = buildProgram({ out: () => undefined, err: () => undefined, interactive: false }, () => undefined);
  const subcommand = program.commands.find((entry: Command) => entry.name() === name);
  if (subcommand === undefined) return { name, options: {}, operands: [], unknown: argv };

  const { operands, unknown } = subcommand.parseOptions(rest);
  return { name, options: subcommand.opts(), operands, unknown };
}

/** Container ports a service lists under `expose` and as the target of `ports`. */
function containerPorts(service: ComposeService): { exposed: number[]; published: number[] } {
  const exposed = (service.expose ?? []).map((entry) => Number(entry));
  const published = (service.ports ?? []).map((entry) => Number(String(entry).split(':').pop()!.split('/')[0]));
  return { exposed, published };
}

function dependencies(service: ComposeService): string[] {
  const dependsOn = service.depends_on ?? [];
  return Array.isArray(dependsOn) ? dependsOn : Object.keys(dependsOn);
}

function healthcheckText(service: ComposeService): string {
  const test = service.healthcheck?.test ?? [];
  return Array.isArray(test) ? test.join(' ') : test;
}

const parsed = Object.fromEntries(Object.entries(services).map(([name, service]) => [name, parseCommand(service.command)]));

t.test('compose defines the three services', async (t) => {
  t.same(Object.keys(services).sort(), ['driver', 'mock-agent', 'switch']);
  for (const [name, service] of Object.entries(services)) {
    t.equal(service.build, '.', `${name} builds the Dockerfile in the project root`);
  }
});

t.test('compose commands parse with the CLI', async (t) => {
  const expected: Record<string, string> = { 'mock-agent': 'mock-agent', switch: 'switch', driver: 'run' };
  for (const [service, command] of Object.entries(parsed)) {
    t.equal(command.name, expected[service], `${service} runs voice-load ${expected[service]}`);
    t.same(command.unknown, [], `${service} uses only flags that ${command.name} accepts`);
    t.same(command.operands, [], `${service} passes no positional arguments`);
  }
});

t.test('servers listen on every interface', async (t) => {
  for (const name of ['mock-agent', 'switch']) {
    t.equal(parsed[name]!.options['host'], '0.0.0.0', `${name} listens on 0.0.0.0 so other containers reach it`);
  }
});

t.test('server ports match expose and ports', async (t) => {
  for (const name of ['mock-agent', 'switch']) {
    const port = parsed[name]!.options['port'] as number;
    const { exposed, published } = containerPorts(services[name]!);
    t.ok(exposed.includes(port), `${name} exposes its --port ${port} (expose: ${exposed.join(', ')})`);
    for (const target of published) t.equal(target, port, `${name} publishes its --port ${port}`);
    t.match(healthcheckText(services[name]!), `127.0.0.1:${port}/health`, `${name} healthcheck polls /health on its --port`);
  }
});

t.test('switch routes reach the mock agent', async (t) => {
  const routes = parsed['switch']!.options['route'] as Array<{ number: string; url: string }>;
  t.equal(routes.length, 1, 'one route');

  const url = new URL(routes[0]!.url);
  t.equal(url.hostname, 'mock-agent', 'route host is the mock-agent service');
  t.equal(Number(url.port), parsed['mock-agent']!.options['port'], 'route port is the mock agent\'s --port');
  t.equal(url.pathname, MOCK_SERVER_DEFAULTS.mediaPath, 'route path is the mock agent\'s media path');
  t.ok(dependencies(services['switch']!).includes('mock-agent'), 'switch depends on mock-agent');
});

t.test('driver dials the switch service', async (t) => {
  const url = new URL(parsed['driver']!.options['switch'] as string);
  t.equal(url.hostname, 'switch', 'switch URL host is the switch service');
  t.equal(Number(url.port), parsed['switch']!.options['port'], 'switch URL port is the switch\'s --port');
  t.equal(url.pathname, '/call', 'switch URL path is the caller leg');
  t.ok(dependencies(services['driver']!).includes('switch'), 'driver depends on switch');
  t.notOk('target' in parsed['driver']!.options, 'driver leaves routing to the switch');
});

t.test('driver results land in a volume', async (t) => {
  const outDir = parsed['driver']!.options['out'] as string;
  const volumes = services['driver']!.volumes ?? [];
  const mount = volumes.find((entry) => entry.split(':')[1] === outDir);
  t.ok(mount, `a volume is mounted at --out ${outDir} (volumes: ${volumes.join(', ')})`);
  const volumeName = mount?.split(':')[0] ?? '';
  t.ok(volumeName in (compose.volumes ?? {}), `volume ${volumeName} is declared at the top level`);
  t.match(dockerfile, new RegExp(`mkdir ${outDir}\\b`), `the image creates ${outDir}, so the volume gets its owner`);
});

t.test('Dockerfile builds the CLI image', async (t) => {
  t.match(dockerfile, /^FROM node:20-bookworm-slim$/m, 'based on node:20-bookworm-slim');
  t.match(dockerfile, /apt-get install[^\n]*espeak-ng/, 'installs espeak-ng');
  t.match(dockerfile, /^RUN npm ci\b/m, 'installs dependencies with npm ci');
  t.match(dockerfile, /npm run build/, 'compiles the sources');
  t.match(dockerfile, /^ENTRYPOINT \["node", "bin\/voice-load\.js"\]$/m, 'runs the voice-load CLI');
});
