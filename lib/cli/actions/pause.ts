import { userInfo } from 'node:os';
import { Pauses, SnsNotifier, type Notifier } from '../../alerts/index.js';
import { findSite, type Topology } from '../../config/index.js';
import { loadCliTopology } from './topology.js';
import { ChdrError } from '../../errors/index.js';
import type { StateOptions } from '../state-option.js';
import { PrintingNotifier } from './local-runtime.js';
import { siteStateStore } from './state-store.js';

export interface PauseOptions extends StateOptions {
  config: string;
  site: string;
  until: string;
  reason: string;
}

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
const pausesFor = async (topology: Topology, site: string, options: StateOptions): Promise<Pauses> => {
  const topicArn = topology.alerts.snsTopicArn;
  const notifier: Notifier =
    options.state === 'aws' && topicArn
      ? new SnsNotifier({
          client: new (await import('@aws-sdk/client-sns')).SNSClient({
            region: findSite(topology, site).region,
          }),
          topicArn,
        })
      : new PrintingNotifier();
  return new Pauses({
    store: await siteStateStore(topology, site, options),
    notifier,
    cluster: topology.cluster,
  });
};

export const pause = async (options: PauseOptions): Promise<void> => {
  const topology = await loadCliTopology(options.config);
  findSite(topology, options.site);
  const paused = await (
    await pausesFor(topology, options.site, options)
  ).pauseSite(options.site, parseUntil(options.until), options.reason, userInfo().username);
  process.stdout.write(`paused ${paused.site} until ${paused.until} (${paused.reason})\n`);
};

export const resume = async (options: StateOptions & { config: string; site: string }): Promise<void> => {
  const topology = await loadCliTopology(options.config);
  findSite(topology, options.site);
  const resumed = await (
    await pausesFor(topology, options.site, options)
  ).resumeSite(options.site, userInfo().username);
  process.stdout.write(resumed ? `resumed ${options.site}\n` : `${options.site} was not paused\n`);
};
