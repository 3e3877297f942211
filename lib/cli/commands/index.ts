import type { Command } from 'commander';
import { OPERATION_KINDS } from '../../failover/constants.js';
import { registerAgentCommand } from './agent.js';
import { registerCheckCommand } from './check.js';
import { registerDemoCommand } from './demo.js';
import { registerPauseCommands } from './pause.js';
import { registerClusterCommand } from './cluster.js';
import { registerFailoverCommands } from './failover.js';
import { registerFenceCommand } from './fence.js';
import { registerSetupCommand } from './setup.js';
import { registerStatusCommand } from './status.js';

/** Each command lives in its own module and registers itself; in the order `chdr --help` lists them. */
export const COMMANDS: readonly { names: readonly string[]; register: (program: Command) => void }[] = [
  { names: ['check'], register: registerCheckCommand },
  { names: ['status'], register: registerStatusCommand },
  { names: ['setup'], register: registerSetupCommand },
  { names: ['agent'], register: registerAgentCommand },
  { names: ['pause', 'resume'], register: registerPauseCommands },
  { names: ['cluster'], register: registerClusterCommand },
  { names: ['demo'], register: registerDemoCommand },
  { names: [...OPERATION_KINDS, 'history'], register: registerFailoverCommands },
  { names: ['fence'], register: registerFenceCommand },
];

/**
 * Registers only the command named on the command line (declaring all the others is start-up time for
 * nothing), or every command when none is named: `chdr --help`, `chdr help check`, a typo to suggest for.
 */
export const registerCommands = (program: Command, name: string | undefined): void => {
  const named = COMMANDS.find((command) => name !== undefined && command.names.includes(name));
  for (const command of named ? [named] : COMMANDS) command.register(program);
};
