// Warm cycles of `npm run bench`: one site, each probe on its own, 50 endpoints, a blackholed replica.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { availableParallelism } from 'node:os';
import { createInterface } from 'node:readline';
import {
  createClickHouseConnection,
  createHttpTransport,
  probeReplica,
  usersTableOf,
} from '../lib/clickhouse/index.js';
import {
  findSite,
  type CoordinationNode,
  type ReplicaEndpoint,
  type Site,
  type Topology,
} from '../lib/config/index.js';
import { withExtraEndpoints } from '../lib/config/parse.js';
import { replicaConnector, runCycle, type HealthReport } from '../lib/cycle/index.js';
import { readHeartbeats, writeHeartbeat } from '../lib/heartbeat/index.js';
import { probeCoordinationNode, sendWord } from '../lib/keeper/index.js';
import { startBlackhole } from '../lib/localcluster/index.js';
import { systemClock } from '../lib/probe/index.js';
import { lintKeeperNode, lintUsers } from '../lib/security/index.js';
import type { BenchLog } from './bench-measure.js';
import { interleavedMedians, median, ms, processesCpuMs, timed } from './bench-measure.js';
import type { Recording, ReplayPorts } from './bench-replay.js';

const ROUNDS = 11;
const SETTLE_MS = 5_000;

export const cycleOnce = async (topology: Topology, site: string): Promise<HealthReport> => {
  const connect = await replicaConnector(topology, { env: process.env });
  return runCycle({ topology, siteName: site, clock: systemClock, connect });
};

type Probe = [name: string, run: () => Promise<unknown>];

/**
 * A cluster seconds old runs cold (ZooKeeper's JIT, ClickHouse's caches, the agent's own code): both sites
 * cycle for a while first, as they would have in a running cluster, before any figure is taken.
 */
export const settle = async (topology: Topology): Promise<void> => {
  for (const until = performance.now() + SETTLE_MS; performance.now() < until;) {
    await Promise.all(topology.sites.map((site) => cycleOnce(topology, site.name)));
  }
};

/**
 * Median wall and CPU time (user + system, this process) of warm cycles. `between` runs after each timed
 * cycle, untimed, so that what it measures is taken side by side with the cycles.
 */
const warmCycles = async (
  topology: Topology,
  site: string,
  between: (round: number) => Promise<void> = async () => undefined,
): Promise<{ wallMs: number; cpuMs: number }> => {
  await cycleOnce(topology, site); // connections open, table there
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const before = process.cpuUsage();
    const [, elapsed] = await timed(() => cycleOnce(topology, site));
    const used = process.cpuUsage(before);
    wall.push(elapsed);
    cpu.push((used.user + used.system) / 1000);
    await between(round);
  }
  return { wallMs: median(wall), cpuMs: median(cpu) };
};

/** Each probe of the site's cycle on its own. */
const probesOf = async (topology: Topology, siteName: string): Promise<Probe[]> => {
  const site = findSite(topology, siteName);
  const connect = await replicaConnector(topology, { env: process.env });
  const options = { timeoutMs: topology.timeouts.probeMs, clock: systemClock };
  const replica = site.replicas[0]!;
  return [
    ['heartbeat write', () => writeHeartbeat(connect(replica), site.name, topology.heartbeat, options)],
    ['heartbeat read', () => readHeartbeats(connect(replica), topology.heartbeat, options)],
    ...site.replicas.map((r): Probe => [`replica ${r.name}`, () => probeReplica(connect(r), options)]),
    ...topology.sites.flatMap((s) =>
      s.coordination.map((node): Probe => [
        `coordination ${node.name}`,
        () => probeCoordinationNode(node, options),
      ]),
    ),
    ...site.coordination.map((node): Probe => [
      `allow list ${node.name}`,
      () => lintKeeperNode(node, options.timeoutMs),
    ]),
    // The cycle asks for users once the replica's probe has said whether system.users exists.
    [
      `users ${replica.name} (after its replica probe)`,
      async () =>
        lintUsers(
          replica.name,
          connect(replica),
          options.timeoutMs,
          usersTableOf(await probeReplica(connect(replica), options)),
        ),
    ],
  ];
};

/**
 * The warm cycle and each of its probes alone, one after another, in alternating rounds (a cycle, then
 * every probe), so that both see the servers in the same state: median time of the cycle and of each probe.
 */
const cycleBesideItsProbes = async (topology: Topology, site: string) => {
  const probes = await probesOf(topology, site);
  for (const [, probe] of probes) await probe(); // connections open
  const times = probes.map((): number[] => []);
  const cycle = await warmCycles(topology, site, async () => {
    for (const [i, [, probe]] of probes.entries()) times[i]!.push((await timed(probe))[1]);
  });
  return { cycle, probes: probes.map(([name], i) => ({ name, ms: median(times[i]!) })) };
};

/** Median round trips of `mntr` and `srvr` to one node, interleaved: what each word costs the server. */
const wordRoundTrips = async (node: CoordinationNode): Promise<{ mntrMs: number; srvrMs: number }> => {
  const mntr: number[] = [];
  const srvr: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    mntr.push((await timed(() => sendWord(node, 'mntr', 1_500)))[1]);
    srvr.push((await timed(() => sendWord(node, 'srvr', 1_500)))[1]);
  }
  return { mntrMs: median(mntr), srvrMs: median(srvr) };
};

/** What the site's first replica and first coordination node answer to a probe, as the replay serves it. */
const record = async (topology: Topology, site: Site): Promise<Omit<Recording, 'replicas' | 'nodes'>> => {
  const statements: Record<string, string> = {};
  let replicasStatus: Recording['replicasStatus'] | undefined;
  const recordingTransport: typeof createHttpTransport = (config) => {
    const transport = createHttpTransport(config);
    return {
      ...transport,
      post: async (sql, signal) => (statements[sql] = await transport.post(sql, signal)),
      get: async (path, signal) => (replicasStatus = await transport.get(path, signal)),
    };
  };
  const open = (replica: ReplicaEndpoint, password: string | undefined) =>
    createClickHouseConnection(
      replica,
      password,
      { requestTimeoutMs: topology.timeouts.probeMs, keepAlive: false },
      { createTransport: recordingTransport },
    );
  const connect = await replicaConnector(topology, { env: process.env }, { open });
  const options = { timeoutMs: topology.timeouts.probeMs, clock: systemClock };
  await probeReplica(connect(site.replicas[0]!), options);
  const words: Record<string, string> = {};
  await probeCoordinationNode(site.coordination[0]!, {
    ...options,
    zxid: true,
    send: async (node, word, timeoutMs) => {
      const reply = await sendWord(node, word, timeoutMs);
      if (reply.ok) words[word] = reply.value;
      return reply;
    },
  });
  if (replicasStatus === undefined || Object.keys(words).length === 0)
    throw new Error('the 50-endpoint bench could not record a replica and a coordination node');
  return { replicasStatus, statements, words };
};

/** Starts the replay process (scripts/bench-replay.ts) and reads the ports it listens on. */
const startReplay = async (recording: Recording): Promise<{ ports: ReplayPorts; stop: () => void }> => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/bench-replay.ts'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  child.stdin.end(JSON.stringify(recording));
  const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
  return { ports: JSON.parse(line) as ReplayPorts, stop: () => child.kill() };
};

/**
 * The site's topology grown to `endpoints` endpoints: the extra replicas and coordination nodes (observers)
 * are aliases answered by the replay process.
 */
const widen = async (
  topology: Topology,
  siteName: string,
  endpoints: number,
): Promise<{ topology: Topology; stop: () => void }> => {
  const site = findSite(topology, siteName);
  const base = topology.sites.reduce((sum, s) => sum + s.replicas.length + s.coordination.length, 0);
  const extra = endpoints - base;
  const replicas = Math.ceil(extra / 2);
  const replay = await startReplay({ ...(await record(topology, site)), replicas, nodes: extra - replicas });
  const replicaTarget = site.replicas[0]!;
  const nodeTarget = site.coordination[0]!;
  return {
    topology: withExtraEndpoints(topology, siteName, {
      replicas: replay.ports.replicas.map((port, i) => ({
        name: `${replicaTarget.name}-alias${i}`,
        host: '127.0.0.1',
        httpPort: port,
      })),
      coordination: replay.ports.nodes.map((port, i) => ({
        name: `${nodeTarget.name}-alias${i}`,
        kind: nodeTarget.kind,
        host: '127.0.0.1',
        clientPort: port,
        role: 'observer' as const,
      })),
    }),
    stop: replay.stop,
  };
};

/** The local cluster's server processes by kind: what a cycle costs them. */
export interface ServerPids {
  zookeeper: number[];
  clickhouse: number[];
}

const CPU_CYCLES = 50;

/** CPU time one warm cycle costs the agent and each kind of server, over cycles back to back. */
const cycleCpu = async (topology: Topology, site: string, servers: ServerPids) => {
  const agentBefore = process.cpuUsage();
  const zookeeperBefore = processesCpuMs(servers.zookeeper);
  const clickhouseBefore = processesCpuMs(servers.clickhouse);
  for (let round = 0; round < CPU_CYCLES; round++) await cycleOnce(topology, site);
  const agent = process.cpuUsage(agentBefore);
  return {
    agentMs: (agent.user + agent.system) / 1000 / CPU_CYCLES,
    zookeeperMs: (processesCpuMs(servers.zookeeper) - zookeeperBefore) / CPU_CYCLES,
    clickhouseMs: (processesCpuMs(servers.clickhouse) - clickhouseBefore) / CPU_CYCLES,
  };
};

/** Returns the warm cycle, for the cost model. */
export const benchCycles = async (
  log: BenchLog,
  topology: Topology,
  site: string,
  servers: ServerPids,
): Promise<{ wallMs: number; cpuMs: number }> => {
  process.stderr.write('warm cycles\n');
  const own = findSite(topology, site);
  const endpoints = `${topology.sites.reduce((sum, s) => sum + s.coordination.length, 0)} coordination nodes, ${own.replicas.length} replica${own.replicas.length === 1 ? '' : 's'}, heartbeat write + read`;
  const { cycle: warm, probes } = await cycleBesideItsProbes(topology, site);
  const slowest = probes.reduce((a, b) => (b.ms > a.ms ? b : a));
  const sum = probes.reduce((total, probe) => total + probe.ms, 0);
  const cpu = await cycleCpu(topology, site, servers);
  const cores = availableParallelism();
  // The servers run on the agent's cores here: together they cannot finish a cycle sooner than this.
  const floor = (cpu.agentMs + cpu.zookeeperMs + cpu.clickhouseMs) / cores;
  log.figure(
    `one cycle, warm (${site}: ${endpoints})`,
    ms(warm.wallMs),
    `median of ${ROUNDS}, after ${SETTLE_MS / 1000} s of cycles of both sites (servers and agent code warm)`,
  );
  log.figure('CPU time of one warm cycle', `${warm.cpuMs.toFixed(1)} ms`, 'user + system, median');
  log.figure(
    `its ${probes.length} probes one at a time: slowest / sum`,
    `${ms(slowest.ms)} / ${ms(sum)}`,
    `slowest: ${slowest.name}; medians of ${ROUNDS} each, each round right after a cycle`,
  );
  log.figure(
    'CPU time of one warm cycle: agent / ZooKeeper servers / ClickHouse servers',
    `${cpu.agentMs.toFixed(1)} / ${cpu.zookeeperMs.toFixed(1)} / ${cpu.clickhouseMs.toFixed(1)} ms`,
    `${CPU_CYCLES} cycles back to back (/proc); on ${cores} cores shared with the servers no cycle takes less ` +
      `than their sum over ${cores}: ${ms(floor)} (in AWS the servers have hosts of their own)`,
  );
  const node = own.coordination[0]!;
  const words = await wordRoundTrips(node);
  log.figure(
    `one 4lw round trip to ${node.name}: \`mntr\` / \`srvr\``,
    `${words.mntrMs.toFixed(1)} ms / ${words.srvrMs.toFixed(1)} ms`,
    `medians of ${ROUNDS}, interleaved: a healthy node is asked mntr alone`,
  );
  log.goal({
    goal: 'warm cycle against its slowest single probe',
    measured: `${ms(warm.wallMs)} (slowest probe ${ms(slowest.ms)}, ${slowest.name}; sum ${ms(sum)}; CPU floor on ${cores} cores ${ms(floor)})`,
    limit: `≤ slowest + 10 ms = ${ms(slowest.ms + 10)}`,
    pass: warm.wallMs <= slowest.ms + 10,
  });

  const wide = await widen(topology, site, 50);
  try {
    await cycleOnce(wide.topology, site); // connections open
    // Side by side: each round a single-site cycle, then a 50-endpoint one, so both meet the servers alike.
    const [single, fanOut] = await interleavedMedians(ROUNDS, [
      async () => (await timed(() => cycleOnce(topology, site)))[1],
      async () => (await timed(() => cycleOnce(wide.topology, site)))[1],
    ]);
    log.figure(
      'one cycle, 50 endpoints, warm',
      ms(fanOut!),
      `median of ${ROUNDS}, each round right after a single-site cycle; the 43 extra endpoints replay what ${own.replicas[0]!.name} and ${own.coordination[0]!.name} answered, from a separate process`,
    );
    log.ratio(
      '50-endpoint cycle against the single-site cycle',
      fanOut!,
      single!,
      2,
      `${ms(fanOut!)} / ${ms(single!)} (medians of the same rounds)`,
    );
  } finally {
    wide.stop();
  }

  const blackhole = await startBlackhole();
  try {
    const withBlackhole = withExtraEndpoints(topology, site, {
      replicas: [{ name: 'blackhole', host: blackhole.host, httpPort: blackhole.port }],
    });
    const [, blackholeMs] = await timed(() => cycleOnce(withBlackhole, site));
    log.figure(
      'one cycle with a blackholed replica',
      ms(blackholeMs),
      `probe timeout ${topology.timeouts.probeMs} ms: one timeout, not the sum`,
    );
  } finally {
    await blackhole.close();
  }
  return warm;
};
