import type { Command } from 'commander';
import { registerCheckCommand } from './check.js';
import { registerClusterCommand } from './cluster.js';
import { registerStatusCommand } from './status.js';

/** Each command lives in its own module and registers itself here. */
export const registerCommands = (program: Command): void => {
  registerCheckCommand(program);
  registerStatusCommand(program);
  registerClusterCommand(program);
};
