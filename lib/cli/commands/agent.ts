import type { Command } from 'commander';
import type { AgentOptions } from '../actions/agent.js';
import { configOption } from '../topology-option.js';

/** `chdr agent`: what the scheduled functions do, for every site, from a laptop, every few seconds. */
export const registerAgentCommand = (program: Command): void => {
  program
    .command('agent')
    .description(
      'run the agent for every site in a loop: heartbeat, probes, paging (pages printed, state in .chdr/state)',
    )
    .addOption(configOption())
    .option('-i, --interval <seconds>', 'seconds between cycles', '10')
    .option('-n, --cycles <count>', 'stop after this many cycles (default: until Ctrl-C)')
    .action(async (options: AgentOptions) => (await import('../actions/agent.js')).agent(options));
};
