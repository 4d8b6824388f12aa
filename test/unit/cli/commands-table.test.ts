// The start-up table of command modules (commands/index.ts) against what each module registers:
// a command missing from its module's names would be unknown when invoked alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { COMMAND_MODULES, allRegistrations, isCommandName, registrationsFor } from '../../../src/cli/commands/index.js';
import { rewriteManagement, topCommand } from '../../../src/cli/argv.js';
import type { CliContext } from '../../../src/cli/context.js';

const noContext = (): CliContext => { throw new Error('no context while registering'); };

function topLevelNames(program: Command): string[] {
  return program.commands.flatMap((c) => [c.name(), ...c.aliases()]);
}

test('each command module registers exactly the top-level names the table gives it', async () => {
  for (const m of COMMAND_MODULES) {
    const program = new Command().enablePositionalOptions();
    (await m.load()).register(program, noContext);
    assert.deepEqual(new Set(topLevelNames(program)), new Set(m.names), `module registering ${m.names.join(', ')}`);
  }
});

test('registering only the invoked command yields the same command as registering all', async () => {
  const registrations = await allRegistrations();
  const all = new Command().enablePositionalOptions();
  for (const register of registrations) register(all, noContext);
  for (const name of topLevelNames(all)) {
    const some = new Command().enablePositionalOptions();
    const subset = await registrationsFor(name);
    for (const register of subset) register(some, noContext);
    assert.ok(subset.length < registrations.length, `${name} registers a subset`);
    const find = (p: Command) => p.commands.find((c) => c.name() === name || c.aliases().includes(name))!;
    const [full, lazy] = [find(all), find(some)];
    assert.ok(lazy, `${name} is registered`);
    assert.deepEqual(lazy.options.map((o) => o.flags), full.options.map((o) => o.flags), `${name} options`);
    assert.deepEqual(lazy.commands.map((c) => c.name()).sort(), full.commands.map((c) => c.name()).sort(), `${name} subcommands`);
  }
});

test('help, an unknown or no command registers every module, in table order', async () => {
  const registrations = await allRegistrations();
  assert.equal(registrations.length, COMMAND_MODULES.length);
  for (const name of [undefined, 'help', 'no-such-command', '--help']) {
    assert.deepEqual(await registrationsFor(name), registrations, String(name));
  }
});

test('the command to register is found after global options and management rewriting', () => {
  const top = (argv: string[]) => topCommand(rewriteManagement(argv, isCommandName));
  assert.equal(top(['-H', 'unix:///x.sock', 'ps', '-a']), 'ps');
  assert.equal(top(['container', 'ls']), 'ps');
  assert.equal(top(['--debug', 'container', 'rm', 'x']), 'rm');
  assert.equal(top(['container', 'prune']), 'container');
  assert.equal(top(['image', 'rm', 'x']), 'image');
  assert.equal(top(['--help']), undefined);
});
