import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { NETNS } from './constants.js';
import { LocalClusterError, LOCAL_CLUSTER_ERROR_CODES } from './errors.js';
import type { SpawnSpec } from './process.js';
import type { LocalSite, NetworkState } from './types.js';

/**
 * The standby site's network namespace (`up --netns`): created, cut, restored and removed with
 * iproute2. A partition sets the standby end of the veth pair down: the primary's end keeps its route,
 * so packets from the primary side are dropped (connections time out, as across a real partition)
 * instead of following the default route out of the machine; from the standby side the primary's
 * network is unreachable at once.
 */

export interface IpReply {
  ok: boolean;
  stdout: string;
  stderr: string;
}
/** Runs `ip <args>`; injected so the unit tests see the commands without root. */
export type IpRunner = (args: readonly string[]) => Promise<IpReply>;

export const runIp: IpRunner = (args) =>
  new Promise((done) => {
    execFile('ip', [...args], { timeout: 10_000 }, (error, stdout, stderr) =>
      done({ ok: !error, stdout: String(stdout), stderr: String(stderr || (error?.message ?? '')) }),
    );
  });

/** Names and the /30 of the cluster with this port base: `10.200.<x>.<y>` from the base modulo 16384. */
export const planNetwork = (portBase: number): NetworkState => {
  const link = portBase % NETNS.links;
  const network = `${NETNS.addressPrefix}.${Math.floor(link / 64)}.${(link % 64) * 4}`;
  const host = (n: number) => network.replace(/\d+$/, (last) => String(Number(last) + n));
  return {
    kind: 'netns',
    namespaces: {
      primary: `${NETNS.namePrefix}-${portBase}-primary`,
      standby: `${NETNS.namePrefix}-${portBase}-standby`,
    },
    veth: { primary: `${NETNS.namePrefix}${portBase}p`, standby: `${NETNS.namePrefix}${portBase}s` },
    addresses: { primary: host(1), standby: host(2) },
    prefixLength: NETNS.prefixLength,
  };
};

/** The /30 in CIDR notation (ClickHouse's users.xml lets it in). */
export const linkSubnet = (network: NetworkState): string =>
  `${network.addresses.primary.replace(/\d+$/, (last) => String(Number(last) - 1))}/${network.prefixLength}`;

/** The command run inside the site's namespace (`ip netns exec` keeps the pid: it execs the command). */
export const inNamespace = (spec: SpawnSpec, namespace: string): SpawnSpec => ({
  ...spec,
  command: 'ip',
  args: ['netns', 'exec', namespace, spec.command, ...spec.args],
});

const must = async (run: IpRunner, args: readonly string[], what: string): Promise<string> => {
  const reply = await run(args);
  if (!reply.ok) {
    throw new LocalClusterError(
      LOCAL_CLUSTER_ERROR_CODES.network,
      `${what} failed (ip ${args.join(' ')}): ${reply.stderr.trim()}; the --netns cluster needs root and iproute2`,
    );
  }
  return reply.stdout;
};

const namespaceNames = async (run: IpRunner): Promise<Set<string>> =>
  new Set(
    (await must(run, ['netns', 'list'], 'listing network namespaces'))
      .split('\n')
      .map((line) => line.split(' ')[0]!)
      .filter((name) => name !== ''),
  );

/** The interface holding `address` in the current namespace, if any. */
const holderOf = async (run: IpRunner, address: string): Promise<string | undefined> => {
  const lines = (await must(run, ['-o', '-4', 'addr', 'show'], 'listing addresses')).split('\n');
  return lines.find((line) => line.includes(` ${address}/`))?.split(/\s+/)[1];
};

/** Refuses to take an address another interface holds (two port bases 16384 apart share a /30). */
const checkAddressFree = async (run: IpRunner, network: NetworkState): Promise<void> => {
  const holder = await holderOf(run, network.addresses.primary);
  if (holder !== undefined && holder !== network.veth.primary) {
    throw new LocalClusterError(
      LOCAL_CLUSTER_ERROR_CODES.network,
      `${network.addresses.primary} is already on interface ${holder}; pick another --port-base`,
    );
  }
};

/**
 * Creates what is missing: the name of the current namespace (the primary's), the standby's
 * namespace, the veth pair, its addresses, loopback in the new namespace. A new link starts up; an
 * existing one keeps its state (a partition outlives a repairing `up`). Returns whether the link is up.
 */
export const ensureNetwork = async (network: NetworkState, run: IpRunner = runIp): Promise<boolean> => {
  const names = await namespaceNames(run);
  if (names.has(network.namespaces.primary) && (await currentSite(network)) !== 'primary') {
    throw new LocalClusterError(
      LOCAL_CLUSTER_ERROR_CODES.network,
      `run this from the network namespace that started the cluster (${network.namespaces.primary}), not from another`,
    );
  }
  if (!names.has(network.namespaces.primary)) {
    await must(
      run,
      ['netns', 'attach', network.namespaces.primary, String(process.pid)],
      'naming this namespace',
    );
  }
  if (!names.has(network.namespaces.standby)) {
    await must(run, ['netns', 'add', network.namespaces.standby], 'creating the standby namespace');
  }
  await checkAddressFree(run, network);
  const ns = ['-n', network.namespaces.standby];
  const created = !(await run(['link', 'show', network.veth.primary])).ok;
  if (created) {
    await must(
      run,
      [
        'link',
        'add',
        network.veth.primary,
        'type',
        'veth',
        'peer',
        'name',
        network.veth.standby,
        'netns',
        network.namespaces.standby,
      ],
      'creating the veth pair',
    );
  }
  const cidr = (site: LocalSite) => `${network.addresses[site]}/${network.prefixLength}`;
  await must(run, ['addr', 'replace', cidr('primary'), 'dev', network.veth.primary], 'addressing the veth');
  await must(run, ['link', 'set', network.veth.primary, 'up'], 'raising the veth');
  await must(
    run,
    [...ns, 'addr', 'replace', cidr('standby'), 'dev', network.veth.standby],
    'addressing the veth',
  );
  await must(run, [...ns, 'link', 'set', 'lo', 'up'], 'raising loopback in the standby namespace');
  if (created) await must(run, [...ns, 'link', 'set', network.veth.standby, 'up'], 'raising the veth');
  return (await linkState(network, run)) === 'up';
};

/** The standby end's administrative state, or null when the pair does not exist. */
export const linkState = async (
  network: NetworkState,
  run: IpRunner = runIp,
): Promise<'up' | 'down' | null> => {
  const reply = await run(['-n', network.namespaces.standby, '-o', 'link', 'show', network.veth.standby]);
  if (!reply.ok) return null;
  const flags = /<([^>]*)>/.exec(reply.stdout)?.[1]?.split(',') ?? [];
  return flags.includes('UP') ? 'up' : 'down';
};

/** Sets the standby end of the link down (partition) or up (heal). */
export const setLink = async (
  network: NetworkState,
  link: 'up' | 'down',
  run: IpRunner = runIp,
): Promise<boolean> => {
  const before = await linkState(network, run);
  if (before === null) {
    throw new LocalClusterError(
      LOCAL_CLUSTER_ERROR_CODES.network,
      `no veth ${network.veth.standby} in namespace ${network.namespaces.standby}; run chdr cluster up`,
    );
  }
  if (before === link) return false;
  await must(
    run,
    ['-n', network.namespaces.standby, 'link', 'set', network.veth.standby, link],
    link === 'down' ? 'cutting the link' : 'restoring the link',
  );
  return true;
};

const isAbsent = (reply: IpReply) => /No such file|Cannot find device|does not exist/i.test(reply.stderr);

const mustUnlessAbsent = async (run: IpRunner, args: readonly string[], what: string): Promise<void> => {
  const reply = await run(args);
  if (!reply.ok && !isAbsent(reply)) {
    throw new LocalClusterError(
      LOCAL_CLUSTER_ERROR_CODES.network,
      `${what} failed (ip ${args.join(' ')}): ${reply.stderr.trim()}`,
    );
  }
};

/**
 * Removes the standby namespace (its end of the veth goes with it), the primary's end if still there,
 * and the primary namespace's name (the namespace itself is the machine's). Absent pieces are fine.
 * Call after every process in the namespace is stopped: a live process keeps a namespace alive.
 */
export const removeNetwork = async (network: NetworkState, run: IpRunner = runIp): Promise<void> => {
  const names = await namespaceNames(run);
  for (const site of ['standby', 'primary'] as const) {
    if (names.has(network.namespaces[site])) {
      await mustUnlessAbsent(run, ['netns', 'delete', network.namespaces[site]], 'removing a namespace');
    }
  }
  if ((await run(['link', 'show', network.veth.primary])).ok) {
    await mustUnlessAbsent(run, ['link', 'delete', network.veth.primary], 'removing the veth pair');
  }
};

/** The site whose namespace this process runs in (by inode), or null when in neither. */
export const currentSite = async (network: NetworkState): Promise<LocalSite | null> => {
  const inode = async (path: string) => (await stat(path).catch(() => null))?.ino;
  const self = await inode('/proc/self/ns/net');
  for (const site of ['primary', 'standby'] as const) {
    if (self !== undefined && self === (await inode(`/run/netns/${network.namespaces[site]}`))) return site;
  }
  return null;
};
