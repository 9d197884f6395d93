import { readFileSync } from 'node:fs';

import { Option, type Command } from 'commander';

import { UsageError } from '../core/index.js';
import { FAULT_PROFILES, type MockConfigOverrides } from '../mock-agent/index.js';
import { flag } from './flags.js';

/** Adds the built-in mock agent's fault flags: a named profile, its strength, or a JSON file of knobs. */
export function addMockFaultOptions(command: Command): Command {
  const profiles = FAULT_PROFILES.map((profile) => `${profile.name} (${profile.unit}, default ${profile.defaultValue})`).join('; ');
  return command
    .addOption(new Option('--profile <name>', `fault the built-in mock agent injects: ${profiles}`).choices(FAULT_PROFILES.map((profile) => profile.name)))
    .addOption(new Option('--strength <multiple>', 'size of the profile\'s fault as a multiple of its default (default 1)').argParser(flag(parseStrength)))
    .addOption(new Option('--mock-config <file>', 'JSON file of mock agent knobs (stages, leak, slowPath, sendPacing, startAfterMs), applied after --profile').argParser(flag(readMockConfig)));
}

/** Collects the mock agent's fault settings given as flags. */
export function mockFaultOptionsFrom(flags: Record<string, unknown>): MockConfigOverrides {
  return {
    ...(flags['profile'] === undefined ? {} : { profile: flags['profile'] as MockConfigOverrides['profile'] }),
    ...(flags['strength'] === undefined ? {} : { strength: flags['strength'] as number }),
    ...((flags['mockConfig'] as MockConfigOverrides | undefined) ?? {}),
  };
}

function parseStrength(value: string): number {
  const strength = Number(value);
  if (!Number.isFinite(strength) || strength <= 0 || strength > 100) {
    throw new UsageError('VL_INVALID_OPTION', `--strength must be a number above 0 and at most 100, got ${JSON.stringify(value)}`, 'pass for example --strength 1.5');
  }
  return strength;
}

function readMockConfig(path: string): MockConfigOverrides {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as MockConfigOverrides;
  } catch (err) {
    throw new UsageError('VL_MOCK_OPTION_INVALID', `cannot read mock agent settings from ${path}: ${(err as Error).message}`, 'pass a JSON file such as {"stages": {"llm": {"slots": 2}}}');
  }
}
