// Every command group of the CLI. Each module exports register(program, ctx) and adds its commands
// (and their `container ...`/`image ...` management aliases).
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import * as attach from './attach.js';
import * as commit from './commit.js';
import * as container from './container.js';
import * as cp from './cp.js';
import * as create from './create.js';
import * as diff from './diff.js';
import * as exec from './exec.js';
import * as exportCmd from './export.js';
import * as kill from './kill.js';
import * as logs from './logs.js';
import * as pause from './pause.js';
import * as port from './port.js';
import * as rename from './rename.js';
import * as restart from './restart.js';
import * as rm from './rm.js';
import * as run from './run.js';
import * as start from './start.js';
import * as stop from './stop.js';
import * as top from './top.js';
import * as update from './update.js';
import * as wait from './wait.js';
import * as ps from './ps.js';
import * as images from './images.js';
import * as history from './history.js';
import * as stats from './stats.js';
import * as inspect from './inspect.js';
import * as version from './version.js';
import * as info from './info.js';
import * as events from './events.js';
import * as system from './system.js';
import * as imageTransfer from './image-transfer.js';
import * as login from './login.js';
import * as build from './build.js';
import * as volume from './volume.js';
import * as network from './network.js';

export type Register = (program: Command, ctx: () => CliContext) => void;

/**
 * Each command module with the top-level names it registers (commands, aliases and the management
 * groups it adds to). Start-up registers only the modules naming the invoked command; help, an
 * unknown or no command registers them all. test/unit/cli/commands-table.test.ts checks this table
 * against what each module really registers.
 */
export const COMMAND_MODULES: ReadonlyArray<{ names: readonly string[]; register: Register }> = [
  // Containers (CLI-A).
  { names: ['run'], register: run.register }, { names: ['create'], register: create.register },
  { names: ['start'], register: start.register }, { names: ['stop'], register: stop.register },
  { names: ['restart'], register: restart.register }, { names: ['kill'], register: kill.register },
  { names: ['rm'], register: rm.register }, { names: ['logs'], register: logs.register },
  { names: ['exec'], register: exec.register }, { names: ['attach'], register: attach.register },
  { names: ['wait'], register: wait.register }, { names: ['rename'], register: rename.register },
  { names: ['update'], register: update.register }, { names: ['pause', 'unpause'], register: pause.register },
  { names: ['top'], register: top.register }, { names: ['port'], register: port.register },
  { names: ['cp'], register: cp.register }, { names: ['diff'], register: diff.register },
  { names: ['export'], register: exportCmd.register }, { names: ['commit'], register: commit.register },
  { names: ['container'], register: container.register },
  // Listings, images, system, volumes, networks (CLI-B).
  { names: ['ps'], register: ps.register }, { names: ['image', 'images', 'rmi', 'tag'], register: images.register },
  { names: ['history', 'image'], register: history.register }, { names: ['stats'], register: stats.register },
  { names: ['inspect', 'image', 'volume', 'network'], register: inspect.register },
  { names: ['version'], register: version.register }, { names: ['info', 'system'], register: info.register },
  { names: ['events', 'system'], register: events.register }, { names: ['system'], register: system.register },
  { names: ['image', 'pull', 'push', 'load', 'save', 'import'], register: imageTransfer.register },
  { names: ['login', 'logout'], register: login.register }, { names: ['image', 'build'], register: build.register },
  { names: ['volume'], register: volume.register }, { names: ['network'], register: network.register },
];

export const registrations: Register[] = COMMAND_MODULES.map((m) => m.register);

/** True when some module registers this top-level command (or alias, or group). */
export function isCommandName(name: string): boolean {
  return COMMAND_MODULES.some((m) => m.names.includes(name));
}

/** What to register for the top-level command `name`: its modules, or all for help/unknown/none. */
export function registrationsFor(name: string | undefined): Register[] {
  const needed = name === undefined ? [] : COMMAND_MODULES.filter((m) => m.names.includes(name));
  return needed.length ? needed.map((m) => m.register) : registrations;
}
