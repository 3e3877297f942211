import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  heal,
  LOCAL_CLUSTER_ERROR_CODES,
  partition,
  planCluster,
  planNetwork,
  readState,
  renderTopology,
  standbyCommand,
  up,
} from '../../../lib/localcluster/index.js';
import { writeState } from '../../../lib/localcluster/state.js';
import { renderNodeFiles } from '../../../lib/localcluster/files.js';
import {
  ensureNetwork,
  inNamespace,
  linkSubnet,
  removeNetwork,
  setLink,
  type IpReply,
} from '../../../lib/localcluster/netns.js';

/**
 * A fake `ip`: records every call; `ok(args)` says which succeed, `stdout(args)` what they print.
 * The commands are the interface here: the integration test (partition.test.ts) runs them for real.
 */
const fakeIp = (answers: { fails?: (args: string) => boolean; stdout?: (args: string) => string } = {}) => {
  const calls: string[] = [];
  const run = async (args: readonly string[]): Promise<IpReply> => {
    const line = args.join(' ');
    calls.push(line);
    const ok = !(answers.fails?.(line) ?? false);
    return { ok, stdout: answers.stdout?.(line) ?? '', stderr: ok ? '' : 'Cannot find device' };
  };
  return { calls, run };
};

describe('planNetwork', () => {
  it('derives names and a /30 in 10.200.0.0/16 from the port base', () => {
    expect(planNetwork(59_000)).toEqual({
      kind: 'netns',
      namespaces: { primary: 'chdr-59000-primary', standby: 'chdr-59000-standby' },
      veth: { primary: 'chdr59000p', standby: 'chdr59000s' },
      addresses: { primary: '10.200.153.225', standby: '10.200.153.226' },
      prefixLength: 30,
    });
    expect(linkSubnet(planNetwork(59_000))).toBe('10.200.153.224/30');
  });

  it('gives clusters with different port bases different links and names', () => {
    const bases = [1_000, 5_000, 10_000, 18_000, 24_000, 58_750, 59_000];
    const networks = bases.map(planNetwork);

    expect(new Set(networks.map((n) => n.addresses.primary)).size).toBe(bases.length);
    expect(new Set(networks.map((n) => n.veth.primary)).size).toBe(bases.length);
    for (const network of networks) expect(network.veth.standby.length).toBeLessThanOrEqual(15);
  });
});

describe('a --netns cluster plan', () => {
  const state = planCluster('/tmp/chdr-netns', 26_000, new Date(), { netns: true });
  const node = (name: string) => state.nodes.find((n) => n.name === name)!;

  it('puts each site on its end of the veth pair', () => {
    expect(state.network).toEqual(planNetwork(26_000));
    expect(state.nodes.map((n) => [n.name, n.host])).toEqual([
      ['zk1', '10.200.150.65'],
      ['zk2', '10.200.150.65'],
      ['zk3', '10.200.150.65'],
      ['zk4', '10.200.150.66'],
      ['ch1', '10.200.150.65'],
      ['ch2', '10.200.150.65'],
      ['ch3', '10.200.150.66'],
    ]);
    expect(planCluster('/tmp/chdr-netns', 26_000).network).toBeUndefined();
  });

  it('has ClickHouse listen on loopback and its veth address, and let the /30 in', () => {
    const ch3 = node('ch3');
    if (ch3.kind !== 'clickhouse') throw new Error('ch3 is a ClickHouse node');
    const files = renderNodeFiles(state, ch3);

    expect(files.get(ch3.configPath)).toContain('<listen_host>127.0.0.1</listen_host>');
    expect(files.get(ch3.configPath)).toContain('<listen_host>10.200.150.66</listen_host>');
    expect(files.get(ch3.configPath)).toContain(
      '<interserver_http_host>10.200.150.66</interserver_http_host>',
    );
    expect(files.get(ch3.usersPath)).toContain('<ip>10.200.150.64/30</ip>');
    expect(files.get(ch3.zookeeperConfigPath)).toContain('<host>10.200.150.65</host>');
  });

  it('has ZooKeeper serve and form its quorum on the veth addresses', () => {
    const zk4 = node('zk4');
    const text = renderNodeFiles(state, zk4).get(zk4.configPath)!;

    expect(text).toContain('clientPortAddress=10.200.150.66\n');
    expect(text).toContain('server.1=10.200.150.65:30881:31881\n');
    expect(text).toContain('server.4=10.200.150.66:30884:31884:observer\n');
  });

  it('renders a topology with those addresses', () => {
    const { topology } = renderTopology(state);

    expect(topology.sites.find((s) => s.name === 'standby')!.replicas[0]!.host).toBe('10.200.150.66');
  });

  it('spawns a node inside its namespace with ip netns exec', () => {
    expect(
      inNamespace({ command: '/usr/bin/java', args: ['-cp', 'x'], cwd: '/d', outputPath: '/d/log' }, 'ns1'),
    ).toEqual({
      command: 'ip',
      args: ['netns', 'exec', 'ns1', '/usr/bin/java', '-cp', 'x'],
      cwd: '/d',
      outputPath: '/d/log',
    });
  });
});

describe('the link', () => {
  const network = planNetwork(26_000);

  it('is created with its addresses, loopback and both ends up when nothing exists', async () => {
    const ip = fakeIp({
      fails: (args) => args === 'link show chdr26000p',
      stdout: (args) =>
        args.includes('-o link show') ? '5: chdr26000s@if6: <BROADCAST,UP,LOWER_UP> mtu' : '',
    });

    expect(await ensureNetwork(network, ip.run)).toBe(true);
    expect(ip.calls).toEqual([
      'netns list',
      `netns attach chdr-26000-primary ${process.pid}`,
      'netns add chdr-26000-standby',
      '-o -4 addr show',
      'link show chdr26000p',
      'link add chdr26000p type veth peer name chdr26000s netns chdr-26000-standby',
      'addr replace 10.200.150.65/30 dev chdr26000p',
      'link set chdr26000p up',
      '-n chdr-26000-standby addr replace 10.200.150.66/30 dev chdr26000s',
      '-n chdr-26000-standby link set lo up',
      '-n chdr-26000-standby link set chdr26000s up',
      '-n chdr-26000-standby -o link show chdr26000s',
    ]);
  });

  it('refuses an address another interface holds', async () => {
    const ip = fakeIp({
      stdout: (args) => (args === '-o -4 addr show' ? '7: other0    inet 10.200.150.65/30 scope global' : ''),
    });

    await expect(ensureNetwork(network, ip.run)).rejects.toThrow(/already on interface other0/);
  });

  it('partition sets the standby end down once; heal sets it up', async () => {
    let up = true;
    const ip = fakeIp({
      stdout: (args) => (args.includes('-o link show') ? `5: x: <BROADCAST${up ? ',UP' : ''}> mtu` : ''),
    });
    const run = async (args: readonly string[]) => {
      const reply = await ip.run(args);
      if (args.join(' ').endsWith('chdr26000s down')) up = false;
      if (args.join(' ').endsWith('chdr26000s up')) up = true;
      return reply;
    };

    expect(await setLink(network, 'down', run)).toBe(true);
    expect(await setLink(network, 'down', run)).toBe(false);
    expect(await setLink(network, 'up', run)).toBe(true);
    expect(ip.calls.filter((c) => c.includes(' link set '))).toEqual([
      '-n chdr-26000-standby link set chdr26000s down',
      '-n chdr-26000-standby link set chdr26000s up',
    ]);
  });

  it('is removed with both namespace names and the veth, absent pieces skipped', async () => {
    const ip = fakeIp({ stdout: (args) => (args === 'netns list' ? 'chdr-26000-standby (id: 3)\n' : '') });

    await removeNetwork(network, ip.run);

    expect(ip.calls).toEqual([
      'netns list',
      'netns delete chdr-26000-standby',
      'link show chdr26000p',
      'link delete chdr26000p',
    ]);
  });
});

describe('refusals and state', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'chdr-netns-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps the network in state.json', async () => {
    await writeState(planCluster(dir, 26_000, new Date(), { netns: true }));

    expect((await readState(dir)).network).toEqual(planNetwork(26_000));
  });

  it('refuses partition, heal and exec-standby on a cluster on plain loopback, naming the fix', async () => {
    await writeState(planCluster(dir, 26_000));
    const ip = fakeIp();

    await expect(partition(dir, ip.run)).rejects.toMatchObject({
      code: LOCAL_CLUSTER_ERROR_CODES.noNetns,
      message: expect.stringContaining('chdr cluster up --netns'),
    });
    await expect(heal(dir, ip.run)).rejects.toMatchObject({ code: LOCAL_CLUSTER_ERROR_CODES.noNetns });
    await expect(standbyCommand(dir, ['true'])).rejects.toMatchObject({
      code: LOCAL_CLUSTER_ERROR_CODES.noNetns,
    });
    expect(ip.calls).toEqual([]);
  });

  it('runs a standby-side command through ip netns exec', async () => {
    await writeState(planCluster(dir, 26_000, new Date(), { netns: true }));

    expect(await standbyCommand(dir, ['node', 'bin/chdr.cjs', 'status'])).toEqual([
      'ip',
      'netns',
      'exec',
      'chdr-26000-standby',
      'node',
      'bin/chdr.cjs',
      'status',
    ]);
  });

  it('refuses up with --netns on a cluster started without it, and the other way round', async () => {
    await writeState(planCluster(dir, 26_000));

    await expect(up({ dir, netns: true })).rejects.toMatchObject({
      code: LOCAL_CLUSTER_ERROR_CODES.conflict,
      message: expect.stringContaining('started without --netns'),
    });
  });
});
