import type { Command } from 'commander';
import { userInfo } from 'node:os';
import { ChdrError } from '../../errors/index.js';
import { findSite } from '../../config/index.js';
import { Pauses, SnsNotifier, type Notifier } from '../../alerts/index.js';
import { SNSClient } from '@aws-sdk/client-sns';
import { loadTopology, type Topology } from '../../config/index.js';
import { PrintingNotifier } from '../local-runtime.js';
import { siteStateStore, stateOptions, type StateOptions } from '../state-option.js';
import { configOption } from '../topology-option.js';

const parseUntil = (text: string): Date => {
  const relative = /^(\d+)(m|h|d)$/.exec(text);
  const date = relative
    ? new Date(
        Date.now() +
          Number(relative[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2] as 'm' | 'h' | 'd'],
      )
    : new Date(text);
  if (Number.isNaN(date.getTime()) || date.getTime() <= Date.now()) {
    throw new ChdrError(
      'USAGE_BAD_UNTIL',
      `--until "${text}" is not a future time: give an ISO time or a duration like 30m, 2h, 1d`,
    );
  }
  return date;
};

/** The pauses the site's agent reads: the local state file, or the site's deployed table (`--state aws`). */
const pausesFor = (topology: Topology, site: string, options: StateOptions): Pauses => {
  const topicArn = topology.alerts.snsTopicArn;
  const notifier: Notifier =
    options.state === 'aws' && topicArn
      ? new SnsNotifier({ client: new SNSClient({ region: findSite(topology, site).region }), topicArn })
      : new PrintingNotifier();
  return new Pauses({
    store: siteStateStore(topology, site, options),
    notifier,
    cluster: topology.cluster,
  });
};

/** `chdr pause` / `chdr resume`: maintenance windows. Metrics continue; pages for the site are held back. */
export const registerPauseCommands = (program: Command): void => {
  program
    .command('pause')
    .description('hold back pages for a site until a time (cycles and metrics continue)')
    .addOption(configOption())
    .requiredOption('-s, --site <name>', 'site to pause')
    .requiredOption('--until <time>', 'ISO time or duration (30m, 2h, 1d) when the pause ends by itself')
    .requiredOption('--reason <text>', 'why, shown in the notice and in status')
    .addOption(stateOptions()[0]!)
    .addOption(stateOptions()[1]!)
    .action(
      async (options: StateOptions & { config: string; site: string; until: string; reason: string }) => {
        const topology = await loadTopology(options.config);
        findSite(topology, options.site);
        const pause = await pausesFor(topology, options.site, options).pauseSite(
          options.site,
          parseUntil(options.until),
          options.reason,
          userInfo().username,
        );
        process.stdout.write(`paused ${pause.site} until ${pause.until} (${pause.reason})\n`);
      },
    );
  program
    .command('resume')
    .description('end a pause now')
    .addOption(configOption())
    .requiredOption('-s, --site <name>', 'site to resume')
    .addOption(stateOptions()[0]!)
    .addOption(stateOptions()[1]!)
    .action(async (options: StateOptions & { config: string; site: string }) => {
      const topology = await loadTopology(options.config);
      findSite(topology, options.site);
      const resumed = await pausesFor(topology, options.site, options).resumeSite(
        options.site,
        userInfo().username,
      );
      process.stdout.write(resumed ? `resumed ${options.site}\n` : `${options.site} was not paused\n`);
    });
};
