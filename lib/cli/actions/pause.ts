import { userInfo } from 'node:os';
import { findSite, loadTopology } from '../../config/index.js';
import { ChdrError } from '../../errors/index.js';
import { localPaging } from './local-runtime.js';

export interface PauseOptions {
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

export const pause = async (options: PauseOptions): Promise<void> => {
  const topology = await loadTopology(options.config);
  findSite(topology, options.site);
  const paused = await localPaging(topology).pauses.pauseSite(
    options.site,
    parseUntil(options.until),
    options.reason,
    userInfo().username,
  );
  process.stdout.write(`paused ${paused.site} until ${paused.until} (${paused.reason})\n`);
};

export const resume = async (options: { config: string; site: string }): Promise<void> => {
  const topology = await loadTopology(options.config);
  findSite(topology, options.site);
  const resumed = await localPaging(topology).pauses.resumeSite(options.site, userInfo().username);
  process.stdout.write(resumed ? `resumed ${options.site}\n` : `${options.site} was not paused\n`);
};
