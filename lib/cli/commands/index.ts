import type { Command } from 'commander';
import { registerAgentCommand } from './agent.js';
import { registerCheckCommand } from './check.js';
import { registerDemoCommand } from './demo.js';
import { registerPauseCommands } from './pause.js';
import { registerClusterCommand } from './cluster.js';
import { registerFailoverCommands } from './failover.js';
import { registerFenceCommand } from './fence.js';
import { registerSetupCommand } from './setup.js';
import { registerStatusCommand } from './status.js';

/** Each command lives in its own module and registers itself here. */
export const registerCommands = (program: Command): void => {
  registerCheckCommand(program);
  registerStatusCommand(program);
  registerSetupCommand(program);
  registerAgentCommand(program);
  registerPauseCommands(program);
  registerClusterCommand(program);
  registerDemoCommand(program);
  registerFailoverCommands(program);
  registerFenceCommand(program);
};
