import { LocalClusterError, LOCAL_CLUSTER_ERROR_CODES } from './errors.js';
import { runIp, setLink, type IpRunner } from './netns.js';
import { readState } from './state.js';
import type { LinkChange, NetworkState } from './types.js';

/** A real network partition between the sites of a `--netns` cluster, and commands run on the standby side. */

const networkOf = async (dir: string): Promise<NetworkState> => {
  const state = await readState(dir);
  if (!state.network) {
    throw new LocalClusterError(
      LOCAL_CLUSTER_ERROR_CODES.noNetns,
      `the cluster in ${state.dir} runs on plain loopback; start it with chdr cluster up --netns (after chdr cluster down) to partition it`,
    );
  }
  return state.network;
};

const changeLink = async (dir: string, link: 'up' | 'down', run: IpRunner): Promise<LinkChange> => {
  const network = await networkOf(dir);
  const changed = await setLink(network, link, run);
  return { link, changed, namespace: network.namespaces.standby };
};

/** Cuts the link between the sites: neither side reaches the other until `heal`. */
export const partition = (dir: string, run: IpRunner = runIp): Promise<LinkChange> =>
  changeLink(dir, 'down', run);

/** Restores the link cut by `partition`. */
export const heal = (dir: string, run: IpRunner = runIp): Promise<LinkChange> => changeLink(dir, 'up', run);

/**
 * The argv that runs `command` in the standby site's namespace, as an operator in the standby region
 * would run it: `ip netns exec <namespace> <command...>`.
 */
export const standbyCommand = async (dir: string, command: readonly string[]): Promise<string[]> => {
  const network = await networkOf(dir);
  return ['ip', 'netns', 'exec', network.namespaces.standby, ...command];
};
