// Every command group of the CLI. Each module exports register(program, ctx) and adds its commands
// (and their `container ...`/`image ...` management aliases). Modules are imported when needed:
// in the bundle, a module's top-level code (and the builtins it requires) then runs only for the
// commands that use it, not at every start.
import type { Command } from 'commander';
import type { CliContext } from '../context.js';

export type Register = (program: Command, ctx: () => CliContext) => void;

export interface CommandModule {
  /** The top-level names it registers. */
  names: readonly string[];
  load: () => Promise<{ register: Register }>;
}

/**
 * Each command module with the top-level names it registers (commands, aliases and the management
 * groups it adds to). Start-up registers only the modules naming the invoked command; help, an
 * unknown or no command registers them all. test/unit/cli/commands-table.test.ts checks this table
 * against what each module really registers.
 */
export const COMMAND_MODULES: readonly CommandModule[] = [
  // Containers (CLI-A).
  { names: ['run'], load: () => import('./run.js') }, { names: ['create'], load: () => import('./create.js') },
  { names: ['start'], load: () => import('./start.js') }, { names: ['stop'], load: () => import('./stop.js') },
  { names: ['restart'], load: () => import('./restart.js') }, { names: ['kill'], load: () => import('./kill.js') },
  { names: ['rm'], load: () => import('./rm.js') }, { names: ['logs'], load: () => import('./logs.js') },
  { names: ['exec'], load: () => import('./exec.js') }, { names: ['attach'], load: () => import('./attach.js') },
  { names: ['wait'], load: () => import('./wait.js') }, { names: ['rename'], load: () => import('./rename.js') },
  { names: ['update'], load: () => import('./update.js') }, { names: ['pause', 'unpause'], load: () => import('./pause.js') },
  { names: ['top'], load: () => import('./top.js') }, { names: ['port'], load: () => import('./port.js') },
  { names: ['cp'], load: () => import('./cp.js') }, { names: ['diff'], load: () => import('./diff.js') },
  { names: ['export'], load: () => import('./export.js') }, { names: ['commit'], load: () => import('./commit.js') },
  { names: ['container'], load: () => import('./container.js') },
  // Listings, images, system, volumes, networks (CLI-B).
  { names: ['ps'], load: () => import('./ps.js') }, { names: ['image', 'images', 'rmi', 'tag'], load: () => import('./images.js') },
  { names: ['history', 'image'], load: () => import('./history.js') }, { names: ['stats'], load: () => import('./stats.js') },
  { names: ['inspect', 'image', 'volume', 'network'], load: () => import('./inspect.js') },
  { names: ['version'], load: () => import('./version.js') }, { names: ['info', 'system'], load: () => import('./info.js') },
  { names: ['events', 'system'], load: () => import('./events.js') }, { names: ['system'], load: () => import('./system.js') },
  { names: ['image', 'pull', 'push', 'load', 'save', 'import'], load: () => import('./image-transfer.js') },
  { names: ['login', 'logout'], load: () => import('./login.js') }, { names: ['image', 'build'], load: () => import('./build.js') },
  { names: ['volume'], load: () => import('./volume.js') }, { names: ['network'], load: () => import('./network.js') },
];

function registersOf(modules: readonly CommandModule[]): Promise<Register[]> {
  return Promise.all(modules.map(async (m) => (await m.load()).register));
}

/** Every module's register function, in table order (the order of `wharf --help`). */
export function allRegistrations(): Promise<Register[]> {
  return registersOf(COMMAND_MODULES);
}

/** True when some module registers this top-level command (or alias, or group). */
export function isCommandName(name: string): boolean {
  return COMMAND_MODULES.some((m) => m.names.includes(name));
}

/** What to register for the top-level command `name`: its modules, or all for help/unknown/none. */
export function registrationsFor(name: string | undefined): Promise<Register[]> {
  const needed = name === undefined ? [] : COMMAND_MODULES.filter((m) => m.names.includes(name));
  return registersOf(needed.length ? needed : COMMAND_MODULES);
}
