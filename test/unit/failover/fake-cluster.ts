import { readFileSync } from 'node:fs';
import type { ClickHouseConnection } from '../../../lib/clickhouse/types.js';
import { type CoordinationNode, type ReplicaEndpoint, type Topology } from '../../../lib/config/index.js';
import { parseTopologyText } from '../../../lib/config/parse.js';
import type { HostCommand, HostCommandResult, HostExecutor } from '../../../lib/executor/index.js';
import { parseClickHouseCoordination } from '../../../lib/failover/clickhouse-config.js';
import type { FailoverDeps } from '../../../lib/failover/index.js';
import { parseZooCfg } from '../../../lib/failover/zookeeper-config.js';
import { planCluster, renderTopology } from '../../../lib/localcluster/index.js';
import { renderClickHouseZooKeeperConfig } from '../../../lib/localcluster/render-clickhouse.js';
import { renderZooCfg as renderLocalZooCfg } from '../../../lib/localcluster/render-zookeeper.js';
import { MemoryStateStore } from '../../../lib/state/index.js';
import { KeeperModel } from './fake-keeper.js';

const HEALTHY_1816_ROW = JSON.parse(
  readFileSync('test/unit/clickhouse/fixtures/system_replicas-18.16-healthy.jsonl', 'utf8').split('\n')[0]!,
) as Record<string, unknown>;

/**
 * A simulated two-site ZooKeeper + ClickHouse cluster for unit tests of the failover engine: host
 * commands edit an in-memory file system and start/stop nodes; 4lw `srvr` and the SQL the steps send
 * are answered from a small model of ZooKeeper quorums (a node serves when a majority of the voters in
 * its config run with the same voters) and of ClickHouse replicas (readonly unless one of their
 * `<zookeeper>` endpoints serves). Same layout as the local cluster (examples/local.yaml).
 */

const DIR = '/sim';

export const simFailoverSection = [
  'failover:',
  '  executor: { kind: local }',
  '  blockPeriodMinutes: 0',
  '  stepTimeoutSeconds: 5',
  '  paths:',
  `    zookeeperConfig: ${DIR}/{node}/zoo.cfg`,
  `    clickhouseCoordinationConfig: ${DIR}/{node}/config.d/zookeeper.xml`,
  '  commands:',
  '    stopCoordination: sim stop {node}',
  '    startCoordination: sim start {node}',
  '    stopClickHouse: sim stop {node}',
  '    startClickHouse: sim start {node}',
  '    fenceNode: sim fence {node} {runId}',
  '    unfenceNode: sim unfence {node}',
  '',
].join('\n');

export interface SimOptions {
  /** Extra YAML appended to the failover section (indented two spaces). */
  failoverExtra?: string;
  /** Replaces the whole failover section. */
  failoverSection?: string;
  /** Spare ZooKeeper nodes (zk5, zk6...) at the standby site: installed, stopped, no data of the cluster. */
  spares?: number;
  /**
   * The election ignores the nodes' data and picks the highest serverId (a fault the failover's leader
   * check must catch); by default the node with the newest data leads, as ZooKeeper elects.
   */
  electHighestIdOnly?: boolean;
  /**
   * `keeper`: the same layout with ClickHouse Keeper nodes kp1..kp4 (kp4 a learner at the standby site),
   * their `<raft_configuration>` in /sim/{node}/keeper.xml, answered by the Raft model of fake-keeper.ts.
   */
  coordination?: 'zookeeper' | 'keeper';
}

/** A Keeper node's config: the local cluster's voters (participants) and learners (observers). */
const keeperXml = (node: CoordinationNode, all: readonly CoordinationNode[]): string =>
  [
    '<clickhouse>',
    '    <keeper_server>',
    `        <tcp_port>${node.clientPort}</tcp_port>`,
    `        <server_id>${node.serverId}</server_id>`,
    `        <log_storage_path>${DIR}/${node.name}/coordination/log</log_storage_path>`,
    `        <snapshot_storage_path>${DIR}/${node.name}/coordination/snapshots</snapshot_storage_path>`,
    '        <raft_configuration>',
    ...all.map(
      (n) =>
        `            <server><id>${n.serverId}</id><hostname>${n.host}</hostname><port>${n.peerPort}</port>${n.role === 'observer' ? '<can_become_leader>false</can_become_leader>' : ''}</server>`,
    ),
    '        </raft_configuration>',
    '    </keeper_server>',
    '</clickhouse>',
    '',
  ].join('\n');

/** The local cluster's topology text with Keeper in place of ZooKeeper (zkN -> kpN). */
const asKeeper = (text: string): string =>
  text
    .replace(/name: zk(\d)/g, 'name: kp$1')
    .replace(/kind: zookeeper/g, 'kind: keeper')
    .replace(/, electionPort: \d+/g, '')
    .replace('  paths:\n', `  paths:\n    keeperConfig: ${DIR}/{node}/keeper.xml\n`);

/** `spareCoordination` of the standby site: zk5, zk6... on the local cluster's port scheme. */
const spareLines = (count: number, portBase: number): string =>
  count === 0
    ? ''
    : '    spareCoordination:\n' +
      Array.from({ length: count }, (_, i) => {
        const n = 5 + i;
        return `      - { name: zk${n}, kind: zookeeper, host: 127.0.0.1, clientPort: ${portBase + 3810 + n}, role: participant, serverId: ${n}, peerPort: ${portBase + 4880 + n}, electionPort: ${portBase + 5880 + n} }\n`;
      }).join('');

export class SimCluster {
  readonly topology: Topology;
  readonly files = new Map<string, string>();
  readonly mtimes = new Map<string, number>();
  readonly running = new Set<string>();
  readonly startedAt = new Map<string, number>();
  readonly commands: string[] = [];
  readonly rows = new Map<string, number>();
  /** Commands matching this fail with exit 1 (an injected fault). */
  failOn: RegExp | undefined;
  /** INSERTs fail everywhere (an injected fault). */
  failInserts = false;
  /** Nodes with a fence marker (the boot guard): `sim start` fails for them. */
  readonly fenced = new Map<string, string>();
  /** Parts the standby's replica knows of and never fetched (`system.replication_queue`), per table. */
  pendingFetches: {
    database: string;
    table: string;
    parts: number;
    oldest: number;
    newest: number;
    names?: string[];
  }[] = [];
  /** Rows of parts per `db.table`, as `system.parts` at a source replica counts them. */
  partRows = new Map<string, number>();
  now = 1_800_000_000_000;
  /**
   * How long after its start a replica's replication starts (its queue loads): until then 18.16 reports
   * `absolute_delay` as the current Unix time, as when its is_active node from an old session is held.
   */
  replicationStartDelayMs = 0;
  /** How old the primary's newest heartbeat is at every replica: the data a failover would lose. */
  heartbeatAgeSeconds = 3;
  private epoch = 1n;
  /** The Raft model answering for Keeper nodes (`coordination: 'keeper'`). */
  readonly keeper: KeeperModel | undefined;
  /** Nodes that hold none of the cluster's transactions (spares never started): they lose elections. */
  readonly withoutHistory = new Set<string>();
  private readonly electHighestIdOnly: boolean;
  readonly store = new MemoryStateStore({ now: () => this.now });

  constructor(options: SimOptions = {}) {
    const state = planCluster(DIR, 18_000);
    const section = options.failoverSection ?? simFailoverSection + (options.failoverExtra ?? '');
    const zooKeeperText = renderTopology(state)
      .text.replace(/failover:\n( {2}.*\n)*/, section)
      .replace(/(\n {6}- \{ name: zk4, .*\n)/, `$1${spareLines(options.spares ?? 0, 18_000)}`);
    const keeper = options.coordination === 'keeper';
    this.topology = parseTopologyText(keeper ? asKeeper(zooKeeperText) : zooKeeperText, 'sim');
    this.keeper = keeper
      ? new KeeperModel(
          () => this.zkNodes(),
          this.running,
          (node) => this.files.get(`${DIR}/${node}/keeper.xml`) ?? '',
        )
      : undefined;
    this.electHighestIdOnly = options.electHighestIdOnly ?? false;
    for (const spare of this.topology.sites.flatMap((site) => site.spareCoordination)) {
      this.withoutHistory.add(spare.name);
      if (keeper) {
        this.write(`${DIR}/${spare.name}/keeper.xml`, keeperXml(spare, [spare]));
        continue;
      }
      const own = `server.${spare.serverId}=${spare.host}:${spare.peerPort}:${spare.electionPort}`;
      this.write(
        `${DIR}/${spare.name}/zoo.cfg`,
        `# spare\ndataDir=${DIR}/${spare.name}/data\nclientPort=${spare.clientPort}\nreconfigEnabled=false\nstandaloneEnabled=false\npeerType=participant\n${own}\n`,
      );
      this.write(`${DIR}/${spare.name}/data/myid`, `${spare.serverId}\n`);
    }
    const zk = state.nodes.filter((n) => n.kind === 'zookeeper');
    const keeperNodes = this.topology.sites.flatMap((site) => site.coordination);
    for (const node of state.nodes) {
      const asKeeperNode = keeperNodes.find(
        (n) => node.kind === 'zookeeper' && n.kind === 'keeper' && n.name === `kp${node.name.slice(2)}`,
      );
      if (asKeeperNode) {
        this.write(`${DIR}/${asKeeperNode.name}/keeper.xml`, keeperXml(asKeeperNode, keeperNodes));
        this.keeper!.log.set(asKeeperNode.name, asKeeperNode.role === 'observer' ? 95 : 100);
        this.running.add(asKeeperNode.name);
        this.startedAt.set(asKeeperNode.name, this.now);
        continue;
      }
      if (node.kind === 'zookeeper') {
        this.write(`${DIR}/${node.name}/zoo.cfg`, renderLocalZooCfg(node, zk));
        this.write(`${node.dataDir}/myid`, `${node.serverId}\n`);
      } else
        this.write(
          `${DIR}/${node.name}/config.d/zookeeper.xml`,
          renderClickHouseZooKeeperConfig(zk.filter((z) => z.role === 'participant')),
        );
      this.running.add(node.name);
      this.startedAt.set(node.name, this.now);
    }
    this.now += 10_000;
  }

  write(path: string, content: string): void {
    this.files.set(path, content);
    this.mtimes.set(path, this.now);
  }

  snapshotFiles(): Record<string, string> {
    return Object.fromEntries([...this.files.entries()].sort());
  }

  zooCfg(node: string) {
    return parseZooCfg(this.files.get(`${DIR}/${node}/zoo.cfg`)!);
  }

  private zkNodes(): CoordinationNode[] {
    return this.topology.sites.flatMap((s) => [...s.coordination, ...s.spareCoordination]);
  }

  /** leader / follower / observer / not-serving / unreachable for a ZooKeeper (or Keeper) node. */
  mode(name: string): string {
    if (this.keeper) return this.keeper.mode(name);
    if (!this.running.has(name)) return 'unreachable';
    const cfg = this.zooCfg(name);
    const node = this.zkNodes().find((n) => n.name === name)!;
    const voters = cfg.servers
      .filter((s) => s.role === 'participant')
      .map((s) => s.id)
      .sort();
    const key = voters.join(',');
    const agreeing = this.zkNodes().filter((n) => {
      if (!this.running.has(n.name) || !voters.includes(n.serverId!)) return false;
      const other = this.zooCfg(n.name);
      return (
        (other.settings.peerType ?? 'participant') === 'participant' &&
        other.servers
          .filter((s) => s.role === 'participant')
          .map((s) => s.id)
          .sort()
          .join(',') === key
      );
    });
    if (agreeing.length * 2 <= voters.length) return 'not-serving';
    if ((cfg.settings.peerType ?? 'participant') === 'observer') return 'observer';
    // ZooKeeper elects the newest data first (epoch, zxid), then the highest server id.
    const eligible = this.electHighestIdOnly
      ? agreeing
      : agreeing.filter((n) => !this.withoutHistory.has(n.name));
    const leaderId = Math.max(...(eligible.length > 0 ? eligible : agreeing).map((n) => n.serverId!));
    return node.serverId === leaderId
      ? 'leader'
      : agreeing.some((n) => n.name === name)
        ? 'follower'
        : 'not-serving';
  }

  serving(endpoints: { host: string; port: number }[]): boolean {
    return endpoints.some((e) => {
      const node = this.zkNodes().find((n) => n.clientPort === e.port);
      return node !== undefined && ['leader', 'follower', 'observer'].includes(this.mode(node.name));
    });
  }

  replicaReadonly(name: string): boolean {
    return !this.serving(
      parseClickHouseCoordination(this.files.get(`${DIR}/${name}/config.d/zookeeper.xml`)!),
    );
  }

  /** When each site was stopped: its heartbeat rows stop advancing there. */
  readonly silentSince = new Map<string, number>();

  /** Stops a whole site at once (the disaster). */
  stopSite(site: string): void {
    this.silentSince.set(site, this.now);
    const s = this.topology.sites.find((x) => x.name === site)!;
    for (const n of [...s.replicas, ...s.coordination]) this.running.delete(n.name);
  }

  private runCommand(command: string, target: string): HostCommandResult {
    const result = this.applyCommand(command);
    if (this.keeper && result.exitCode === 0) {
      if (/log_storage_path/.test(command)) this.keeper.dataCommand(target, command);
      if (command.startsWith("printf '%s'") && command.includes('/keeper.xml.chdr-new'))
        this.keeper.configWritten(target);
      this.keeper.settle();
    }
    return result;
  }

  private applyCommand(command: string): HostCommandResult {
    this.commands.push(command);
    this.now += 100;
    const ok = (stdout = ''): HostCommandResult => ({
      exitCode: 0,
      stdout,
      stderr: '',
      durationMs: 1,
      timedOut: false,
    });
    const fail = (stderr: string): HostCommandResult => ({
      exitCode: 1,
      stdout: '',
      stderr,
      durationMs: 1,
      timedOut: false,
    });
    if (this.failOn?.test(command)) return fail('injected failure');
    let m = /^sim fence (\S+) (\S+)$/.exec(command);
    if (m) {
      this.fenced.set(m[1]!, m[2]!);
      this.running.delete(m[1]!);
      return ok();
    }
    m = /^sim unfence (\S+)$/.exec(command);
    if (m) {
      this.fenced.delete(m[1]!);
      return ok();
    }
    m = /^sim start (\S+)$/.exec(command);
    if (m && this.fenced.has(m[1]!)) return fail(`${m[1]} is fenced by run ${this.fenced.get(m[1]!)}`);
    m = /^sim (stop|start) (\S+)$/.exec(command);
    if (m) {
      if (m[1] === 'stop') this.running.delete(m[2]!);
      else {
        this.running.add(m[2]!);
        this.startedAt.set(m[2]!, this.now);
        if (m[2]!.startsWith('zk')) this.epoch += 1n;
      }
      return ok();
    }
    m = /^cat (\S+)$/.exec(command);
    if (m)
      return this.files.has(m[1]!)
        ? ok(this.files.get(m[1]!))
        : fail(`cat: ${m[1]}: No such file or directory`);
    m = /^printf '%s' (\S+) \| base64 -d > (\S+)\.chdr-new && mv -f \S+ \S+$/.exec(command);
    if (m) {
      this.write(m[2]!, Buffer.from(m[1]!.replace(/^'|'$/g, ''), 'base64').toString('utf8'));
      return ok();
    }
    m = /^stat -c %Y (\S+)$/.exec(command);
    if (m) return ok(`${Math.floor(this.mtimes.get(m[1]!)! / 1000)}\n`);
    // The data commands (move aside, back up, restore): recorded in `commands`, no data is simulated.
    if (/dataLogDir|log_storage_path/.test(command)) return ok();
    if (command.includes('CHDR_PHASE')) return ok('hook ran');
    return fail(`sim: unknown command ${command}`);
  }

  readonly executor: HostExecutor = {
    kind: 'sim',
    run: async (c: HostCommand) => this.runCommand(c.command, c.target.name),
  };

  private srvr(node: CoordinationNode): string | undefined {
    const mode = this.mode(node.name);
    if (mode === 'unreachable') return undefined;
    if (mode === 'not-serving') return 'This ZooKeeper instance is not currently serving requests\n';
    return `Zookeeper version: 3.8.0\nLatency min/avg/max: 0/0/0\nReceived: 1\nSent: 1\nConnections: 1\nOutstanding: 0\nZxid: 0x${((this.epoch << 32n) | 7n).toString(16)}\nMode: ${mode}\nNode count: 10\n`;
  }

  readonly sendWord: FailoverDeps['sendWord'] = async (node, word) => {
    const reply = this.keeper
      ? this.keeper.word(node.name, word)
      : word === 'srvr'
        ? this.srvr(node)
        : word === 'mntr'
          ? this.running.has(node.name)
            ? `zk_server_state\t${this.mode(node.name)}\n`
            : undefined
          : undefined;
    return reply === undefined
      ? { ok: false, code: 'CONNECTION_REFUSED', reason: `${node.name} refused`, elapsedMs: 1 }
      : { ok: true, value: reply, elapsedMs: 1 };
  };

  readonly connect = (replica: ReplicaEndpoint): ClickHouseConnection => {
    const check = () => {
      if (!this.running.has(replica.name))
        throw Object.assign(new Error(`${replica.name}: connection refused`), { code: 'ECONNREFUSED' });
    };
    return {
      endpoint: replica.name,
      queryRows: async <T>(sql: string) => {
        check();
        if (sql.includes("type = 'GET_PART'")) return this.pendingFetches as T[];
        if (sql.includes('system.replication_queue'))
          return [{ newest: Math.max(0, ...this.pendingFetches.map((p) => p.newest)) }] as T[];
        if (sql === 'SELECT 1 AS one') return [{ one: 1 }] as T[];
        // The repoint's list of active parts (force_restore_data): the simulated replicas hold none.
        if (sql.includes('AS part_path')) return [] as T[];
        if (sql.includes('FROM system.parts'))
          return [...this.partRows].map(([t, rows]) => ({ t, rows })) as T[];
        // The divergence check of recover: the simulated replicas hold no parts, so nothing diverges.
        if (sql.includes('FROM system.tables')) return [] as T[];
        if (sql.includes('system.zookeeper')) return [{ n: 0 }] as T[];
        if (sql.includes('system.replicas')) {
          const ro = this.replicaReadonly(replica.name) ? 1 : 0;
          return [
            // A real ClickHouse 18.16 row (test/unit/clickhouse/fixtures), readonly as simulated.
            {
              ...HEALTHY_1816_ROW,
              is_readonly: ro,
              is_session_expired: ro,
              ...(this.now < this.startedAt.get(replica.name)! + this.replicationStartDelayMs
                ? { absolute_delay: Math.floor(this.now / 1000) }
                : {}),
            },
          ] as T[];
        }
        if (sql.includes('heart_beat')) {
          const site = /site_id = '([^']+)'/.exec(sql)?.[1] ?? '';
          const last = (this.silentSince.get(site) ?? this.now) - this.heartbeatAgeSeconds * 1000;
          return [{ last: Math.floor(last / 1000), now: Math.floor(this.now / 1000) }] as T[];
        }
        if (sql.includes('system.processes')) return [{ inserts: 0 }] as T[];
        if (sql.includes('uptime()'))
          return [{ started: Math.floor(this.startedAt.get(replica.name)! / 1000) }] as T[];
        throw new Error(`sim: unknown query ${sql}`);
      },
      exec: async (sql: string) => {
        check();
        if (this.failInserts || this.replicaReadonly(replica.name))
          throw new Error('Code: 242, Table is in readonly mode');
        this.rows.set(replica.name, (this.rows.get(replica.name) ?? 0) + 1);
        this.keeper?.write();
        void sql;
      },
      replicasStatus: async () => {
        check();
        return this.replicaReadonly(replica.name)
          ? { httpStatus: 200, body: 'default.heart_beat:\tis readonly.\n' }
          : { httpStatus: 200, body: 'Ok.\n' };
      },
      close: async () => undefined,
    };
  };

  deps(extra: Partial<FailoverDeps> = {}): FailoverDeps {
    return {
      store: this.store,
      executor: this.executor,
      connect: this.connect,
      sendWord: this.sendWord,
      clock: { now: () => this.now },
      sleep: async (ms) => {
        this.now += ms;
      },
      pollIntervalMs: 100,
      holder: 'tester@sim pid 1',
      ...extra,
    };
  }
}

/** A simulated cluster whose primary site is lost (every node stopped): the forced failover's start. */
export const lostPrimarySim = (options?: SimOptions): SimCluster => {
  const sim = new SimCluster(options);
  sim.stopSite('primary');
  return sim;
};
