import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseTopology } from '../../../lib/config/parse.js';
import type { HostExecutor } from '../../../lib/executor/index.js';
import {
  formatPlan,
  planOperation,
  type FailoverDeps,
  type UndoRecord,
} from '../../../lib/failover/index.js';
import {
  keeperHasVoters,
  parseKeeperServers,
  parseLgif,
  pickRecoveryLeader,
  renderKeeperConfig,
} from '../../../lib/failover/keeper-config.js';
import { MemoryStateStore } from '../../../lib/state/index.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/keeper/${name}`, import.meta.url), 'utf8');

/** examples/two-region.yaml with two more Keeper nodes at the standby site (to make three). */
const topology = (() => {
  const document = parse(readFileSync('examples/two-region.yaml', 'utf8')) as {
    sites: { coordination: object[] }[];
  };
  document.sites[1]!.coordination.push(
    {
      name: 'keeper-usw2-b',
      kind: 'keeper',
      host: 'keeper-b.usw2.internal',
      clientPort: 9181,
      role: 'participant',
      serverId: 5,
      peerPort: 9234,
      instanceId: 'i-0f1e2d3c4b5a60012',
    },
    {
      name: 'keeper-usw2-c',
      kind: 'keeper',
      host: 'keeper-c.usw2.internal',
      clientPort: 9181,
      role: 'participant',
      serverId: 6,
      peerPort: 9234,
      instanceId: 'i-0f1e2d3c4b5a60013',
    },
  );
  return parseTopology(document, 'two-region+3');
})();

const keeperXml = (note: string) => `<clickhouse>
    <keeper_server>
        <tcp_port>9181</tcp_port>
        <server_id>4</server_id>
        <log_storage_path>/var/lib/clickhouse/coordination/log</log_storage_path>
        <snapshot_storage_path>/var/lib/clickhouse/coordination/snapshots</snapshot_storage_path>
        <!-- ${note} -->
        <raft_configuration>
            <secure>false</secure>
            <server><id>1</id><hostname>keeper-a.use1.internal</hostname><port>9234</port></server>
            <server><id>2</id><hostname>keeper-b.use1.internal</hostname><port>9234</port></server>
            <server><id>3</id><hostname>keeper-c.use1.internal</hostname><port>9234</port></server>
            <server><id>4</id><hostname>keeper-a.usw2.internal</hostname><port>9234</port><can_become_leader>false</can_become_leader></server>
        </raft_configuration>
    </keeper_server>
</clickhouse>
`;

const lgif = (lastIdx: number) =>
  `first_log_idx\t1\nfirst_log_term\t1\nlast_log_idx\t${lastIdx}\nlast_log_term\t7\nlast_committed_log_idx\t${lastIdx}\nleader_committed_log_idx\t${lastIdx}\ntarget_committed_log_idx\t${lastIdx}\nlast_snapshot_idx\t0\n`;

const srvr = (mode: string, zxid: string) =>
  fixture('srvr-leader.txt')
    .replace('Mode: leader', `Mode: ${mode}`)
    .replace(/Zxid: \S+/, `Zxid: ${zxid}`);

describe('Keeper config and recovery leader', () => {
  it('parses raft_configuration, learners included', () => {
    expect(parseKeeperServers(keeperXml('x'))).toEqual([
      { id: 1, hostname: 'keeper-a.use1.internal', port: 9234, canBecomeLeader: true },
      { id: 2, hostname: 'keeper-b.use1.internal', port: 9234, canBecomeLeader: true },
      { id: 3, hostname: 'keeper-c.use1.internal', port: 9234, canBecomeLeader: true },
      { id: 4, hostname: 'keeper-a.usw2.internal', port: 9234, canBecomeLeader: false },
    ]);
  });

  it('rewrites only raft_configuration, keeping <secure> and every other setting', () => {
    const servers = [
      { id: 4, hostname: 'keeper-a.usw2.internal', port: 9234, canBecomeLeader: true },
      { id: 5, hostname: 'keeper-b.usw2.internal', port: 9234, canBecomeLeader: true },
    ];

    const out = renderKeeperConfig(keeperXml('x'), servers, 'run r1');

    expect(parseKeeperServers(out)).toEqual(servers);
    expect(out).toContain('<secure>false</secure>');
    expect(out).toContain('<log_storage_path>/var/lib/clickhouse/coordination/log</log_storage_path>');
    expect(keeperHasVoters(out, servers)).toBe(true);
    expect(keeperHasVoters(keeperXml('x'), servers)).toBe(false);
  });

  it('parses lgif and picks the node with the highest log position, the lowest id on a tie', () => {
    expect(parseLgif(lgif(120))).toMatchObject({ lastLogIdx: 120, lastLogTerm: 7, lastCommittedLogIdx: 120 });
    expect(parseLgif(fixture('not-serving.txt'))).toBeUndefined();
    expect(
      pickRecoveryLeader([
        { node: 'a', serverId: 4, log: parseLgif(lgif(100))! },
        { node: 'b', serverId: 5, log: parseLgif(lgif(120))! },
        { node: 'c', serverId: 6, log: parseLgif(lgif(120))! },
        { node: 'd', serverId: 7 },
      ])?.node,
    ).toBe('b');
    expect(
      pickRecoveryLeader([
        { node: 'a', serverId: 4, zxid: 10n },
        { node: 'b', serverId: 5, zxid: 12n },
      ])?.node,
    ).toBe('b');
  });
});

/**
 * A Keeper site in the middle of a disaster: the standby learner (keeper-usw2-a) and two spare nodes
 * that answer lgif; rcvr puts the picked node in recovery; started nodes follow it.
 */
const keeperSim = (
  lastIdx: Record<string, number>,
  running = new Set(['keeper-usw2-a', 'keeper-usw2-b', 'keeper-usw2-c']),
) => {
  const files = new Map<string, string>();
  const commands: string[] = [];
  const words: string[] = [];
  let leader: string | undefined;
  for (const node of topology.sites.flatMap((site) => site.coordination))
    files.set(node.name, keeperXml(node.name).replace('<server_id>4<', `<server_id>${node.serverId}<`));
  const executor: HostExecutor = {
    kind: 'fake-ssm',
    run: async ({ target, command }) => {
      commands.push(`[${target.name}] ${command}`);
      const ok = (stdout = '') => ({ exitCode: 0, stdout, stderr: '', durationMs: 1, timedOut: false });
      if (command.startsWith('cat ')) return ok(files.get(target.name));
      const write = /^printf '%s' (\S+) \| base64 -d/.exec(command);
      if (write) files.set(target.name, Buffer.from(write[1]!, 'base64').toString('utf8'));
      if (command === 'systemctl stop clickhouse-keeper') running.delete(target.name);
      // Moving the data of a running node aside is a bug this fake catches.
      if (command.includes('mv "$d"') && running.has(target.name))
        return {
          exitCode: 1,
          stdout: '',
          stderr: 'data moved while running',
          durationMs: 1,
          timedOut: false,
        };
      if (command === 'systemctl start clickhouse-keeper') running.add(target.name);
      return ok();
    },
  };
  const sendWord: FailoverDeps['sendWord'] = async (node, word) => {
    words.push(`${node.name} ${word}`);
    if (!running.has(node.name))
      return { ok: false, code: 'CONNECTION_REFUSED', reason: 'refused', elapsedMs: 1 };
    const value =
      word === 'lgif'
        ? lgif(lastIdx[node.name] ?? 1)
        : word === 'rcvr'
          ? ((leader = node.name), '')
          : word === 'isro'
            ? leader
              ? 'rw'
              : 'ro'
            : word === 'srvr'
              ? leader === undefined
                ? srvr('standalone', `0x${(lastIdx[node.name] ?? 1).toString(16)}`)
                : srvr(leader === node.name ? 'leader' : 'follower', '0x80')
              : fixture('mntr-leader.txt');
    return { ok: true, value, elapsedMs: 1 };
  };
  const deps: FailoverDeps = {
    store: new MemoryStateStore(),
    executor,
    sendWord,
    connect: () => {
      throw new Error('no ClickHouse in this test');
    },
    sleep: async () => undefined,
    pollIntervalMs: 1,
  };
  return { files, commands, words, deps, running };
};

/** A step context over a Keeper sim, as the engine builds it (clock and sleeps instant). */
const stepContext = (
  sim: ReturnType<typeof keeperSim>,
  request: { kind: 'failover' | 'recover'; from: string; to: string; ackUnreadNodes?: string[] },
) => {
  const sites = (name: string) => topology.sites.find((site) => site.name === name)!;
  return {
    topology,
    settings: topology.failover,
    request,
    runId: 'r1',
    from: sites(request.from),
    to: sites(request.to),
    deps: { ...sim.deps, clock: { now: () => 0 }, sleep: async () => undefined, pollIntervalMs: 1 } as never,
    facts: {},
    deadline: 60_000,
    note: () => undefined,
    undo: {} as UndoRecord,
    defer: (action: () => Promise<void>) => action(),
  };
};

describe('Keeper failover step', () => {
  it('renders the recovery plan: picked node, backup, raft_configuration, rcvr, others one by one', async () => {
    const sim = keeperSim({ 'keeper-usw2-a': 90, 'keeper-usw2-b': 120, 'keeper-usw2-c': 80 });

    const plan = await planOperation(
      topology,
      { kind: 'failover', from: 'primary', to: 'standby' },
      sim.deps,
    );
    const text = formatPlan(plan);

    const step = plan.steps.find((s) => s.id === 'coordination-standby')!;
    expect(step.title).toBe(
      "Recover standby's Keeper nodes (keeper-usw2-a, keeper-usw2-b, keeper-usw2-c) as a new Raft cluster",
    );
    expect(step.actions[0]!.text).toMatch(/picked keeper-usw2-b$/);
    const lines = step.actions.map((a) => `${a.via} ${a.target} ${a.text}`);
    const at = (pattern: RegExp) => lines.findIndex((line) => pattern.test(line));
    expect(at(/host keeper-usw2-b .*cp -a/)).toBeGreaterThan(0);
    expect(
      at(
        /raft_configuration 4=keeper-a.usw2.internal:9234 5=keeper-b.usw2.internal:9234 6=keeper-c.usw2.internal:9234/,
      ),
    ).toBeGreaterThan(0);
    expect(at(/^4lw keeper-usw2-b rcvr$/)).toBeGreaterThan(at(/raft_configuration/));
    expect(at(/host keeper-usw2-a systemctl start clickhouse-keeper/)).toBeGreaterThan(at(/rcvr/));
    expect(at(/host keeper-usw2-c systemctl start clickhouse-keeper/)).toBeGreaterThan(
      at(/host keeper-usw2-a systemctl start/),
    );
    expect(text).toContain('systemctl stop clickhouse-server');
    expect(text).toContain(
      'by the first healthy of ch-usw2-a CNAME ch-a.usw2.internal, ch-usw2-b CNAME ch-b.usw2.internal, TTL 30',
    );
    expect(text).toContain('/etc/clickhouse-keeper/keeper_config.xml');
    expect(sim.commands.filter((c) => !c.includes(' cat '))).toEqual([]);
  });

  it('recovers from the most up-to-date node: rcvr after the configs are written, then starts the others one at a time', async () => {
    const sim = keeperSim({ 'keeper-usw2-a': 90, 'keeper-usw2-b': 120, 'keeper-usw2-c': 80 });
    const { keeperRecoveryStep } = await import('../../../lib/failover/steps/keeper.js');
    const step = keeperRecoveryStep(topology.sites[1]!);
    const ctx = stepContext(sim, { kind: 'failover' as const, from: 'primary', to: 'standby' });

    const output = await step.run(ctx);
    await step.verify(ctx);

    expect(output.facts).toEqual({ 'keeperRecoveryLeader:standby': 'keeper-usw2-b' });
    expect(sim.words).toContain('keeper-usw2-b rcvr');
    const rcvrAt = sim.words.indexOf('keeper-usw2-b rcvr');
    const order = sim.commands.map((c) => c.replace(/ \S+ \| base64.*/, ' <write>'));
    expect(order.filter((c) => /systemctl (start|stop)|<write>|cp -a/.test(c))).toEqual([
      expect.stringMatching(/^\[keeper-usw2-b\] .*cp -a/),
      '[keeper-usw2-a] systemctl stop clickhouse-keeper',
      '[keeper-usw2-c] systemctl stop clickhouse-keeper',
      expect.stringMatching(/^\[keeper-usw2-a\] .*cp -a/),
      expect.stringMatching(/^\[keeper-usw2-c\] .*cp -a/),
      "[keeper-usw2-a] printf '%s' <write>",
      "[keeper-usw2-b] printf '%s' <write>",
      "[keeper-usw2-c] printf '%s' <write>",
      '[keeper-usw2-a] systemctl start clickhouse-keeper',
      '[keeper-usw2-c] systemctl start clickhouse-keeper',
    ]);
    expect(rcvrAt).toBeGreaterThan(0);
    for (const name of ['keeper-usw2-a', 'keeper-usw2-b', 'keeper-usw2-c']) {
      expect(parseKeeperServers(sim.files.get(name)!).map((s) => `${s.id}:${s.canBecomeLeader}`)).toEqual([
        '4:true',
        '5:true',
        '6:true',
      ]);
    }
    expect((ctx.undo as { files?: unknown[] }).files).toHaveLength(3);
    expect((ctx.undo as { data?: Record<string, unknown> }).data).toEqual({
      backedUp: ['keeper-usw2-b', 'keeper-usw2-a', 'keeper-usw2-c'],
    });
  });

  // The end to end run (failover, recover, failback reaching `succeeded`) is keeper-e2e.test.ts, on the
  // simulated cluster with ClickHouse; this fake has Keeper nodes only.
  it('plans a Keeper failover with SSM-style default commands, picking the newest log', async () => {
    const sim = keeperSim({ 'keeper-usw2-a': 200, 'keeper-usw2-b': 120, 'keeper-usw2-c': 80 });
    const plan = await planOperation(
      topology,
      { kind: 'failover', from: 'primary', to: 'standby' },
      sim.deps,
    );
    expect(plan.steps.find((s) => s.id === 'coordination-standby')!.actions[0]!.text).toMatch(
      /picked keeper-usw2-a$/,
    );
    expect(sim.words).not.toContain('keeper-usw2-a rcvr');
  });

  it('refuses the pick while a node that may be newer answers nothing, unless that node is acknowledged', async () => {
    const stepCtx = async (sim: ReturnType<typeof keeperSim>, ackUnreadNodes?: string[]) => {
      const { keeperRecoveryStep } = await import('../../../lib/failover/steps/keeper.js');
      const ctx = stepContext(sim, {
        kind: 'failover' as const,
        from: 'primary',
        to: 'standby',
        ...(ackUnreadNodes ? { ackUnreadNodes } : {}),
      });
      return { step: keeperRecoveryStep(topology.sites[1]!), ctx };
    };
    const lgifs = { 'keeper-usw2-a': 90, 'keeper-usw2-b': 120, 'keeper-usw2-c': 80 };
    const down = keeperSim(lgifs, new Set(['keeper-usw2-a', 'keeper-usw2-b']));
    const refused = await stepCtx(down);

    await expect(refused.step.run(refused.ctx)).rejects.toThrow(
      /keeper-usw2-c at standby answer neither lgif nor srvr .* --ack-unread-nodes keeper-usw2-c/,
    );
    expect(down.commands).toEqual([]);
    expect(down.words).not.toContain('keeper-usw2-b rcvr');

    const acknowledged = keeperSim(lgifs, new Set(['keeper-usw2-a', 'keeper-usw2-b']));
    const allowed = await stepCtx(acknowledged, ['keeper-usw2-c']);
    const output = await allowed.step.run(allowed.ctx);
    expect(output.facts).toEqual({ 'keeperRecoveryLeader:standby': 'keeper-usw2-b' });
  });

  it('recover stops the old nodes and moves their data aside before the serving cluster lists them as learners', async () => {
    const sim = keeperSim({}, new Set(['keeper-use1-a', 'keeper-use1-b', 'keeper-use1-c', 'keeper-usw2-a']));
    const { keeperLearnersStep } = await import('../../../lib/failover/steps/keeper.js');
    const [old, serving] = [topology.sites[0]!, topology.sites[1]!];
    const step = keeperLearnersStep(old, serving);
    const ctx = stepContext(sim, { kind: 'recover' as const, from: old.name, to: serving.name });

    await step.run(ctx);

    const order = sim.commands
      .filter((c) => !/\] cat /.test(c))
      .map((c) =>
        c.replace(/\] (printf).*/, '] write').replace(/\] .*log_storage_path.*/, '] move data aside'),
      );
    const firstServingWrite = order.findIndex((c) => /^\[keeper-usw2-\w\] write$/.test(c));
    const lastOldWipe = order.map((c) => /^\[keeper-use1-\w\] move data aside$/.test(c)).lastIndexOf(true);
    expect(lastOldWipe).toBeGreaterThanOrEqual(0);
    expect(firstServingWrite).toBeGreaterThan(lastOldWipe);
    for (const name of ['keeper-use1-a', 'keeper-use1-b', 'keeper-use1-c']) {
      const mine = order.filter((c) => c.startsWith(`[${name}]`));
      expect(mine).toEqual([
        `[${name}] systemctl stop clickhouse-keeper`,
        `[${name}] move data aside`,
        `[${name}] write`,
        `[${name}] systemctl start clickhouse-keeper`,
      ]);
    }
  });

  it("refuses before any change when a node's server_id is not its serverId", async () => {
    const sim = keeperSim({ 'keeper-usw2-a': 90, 'keeper-usw2-b': 120, 'keeper-usw2-c': 80 });
    sim.files.set('keeper-usw2-c', keeperXml('c').replace('<server_id>4<', '<server_id>9<'));
    const { keeperRecoveryStep } = await import('../../../lib/failover/steps/keeper.js');
    const step = keeperRecoveryStep(topology.sites[1]!);
    const ctx = stepContext(sim, { kind: 'failover' as const, from: 'primary', to: 'standby' });

    await expect(step.precondition!(ctx)).rejects.toThrow(
      /server_id and serverId disagree.*keeper-usw2-c: server_id 9, the topology serverId 6/,
    );
    sim.files.set('keeper-usw2-c', keeperXml('c').replace('<server_id>4<', '<server_id>6<'));
    await expect(step.precondition!(ctx)).resolves.toBeUndefined();
    expect(sim.commands.filter((c) => !c.includes('] cat '))).toEqual([]);
  });
});
