import type { Command } from 'commander';
import { DEFAULT_MONITOR_USER } from '../../heartbeat/constants.js';
import type { SetupCommandOptions } from '../actions/setup.js';
import { stateOptions } from '../state-option.js';
import { configOption } from '../topology-option.js';

/**
 * `chdr setup`: creates the heartbeat table on every replica, prints (or applies) a least-privilege
 * monitoring user, then runs one cycle to prove it. Idempotent.
 */
export const registerSetupCommand = (program: Command): void => {
  const command = program
    .command('setup')
    .description(
      'create the heartbeat table on every replica, print or apply the monitoring user, then run one cycle',
    )
    .addOption(configOption())
    .option('--admin-user <name>', 'connect as this user for the DDL (default: the topology’s user)')
    .option('--admin-password-env <VAR>', "environment variable holding the admin user's password")
    .option(
      '--monitor-user <name>',
      `the monitoring user to create (default: the topology's, else ${DEFAULT_MONITOR_USER})`,
    )
    .option(
      '--apply-user',
      'create the monitoring user where SQL user management exists, instead of printing it',
    )
    .option('--monitor-password-env <VAR>', "environment variable holding the monitoring user's password");
  for (const option of stateOptions()) command.addOption(option);
  command.action(async (options: SetupCommandOptions) =>
    (await import('../actions/setup.js')).setup(options),
  );
};
