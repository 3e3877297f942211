// `npm run bench`: speed and size figures, printed as a table and written to bench-results/bench.json.
// Not a test: nothing here passes or fails. It starts its own local cluster (port base 16000) and stops it.
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { createServer, connect as tcpConnect, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { MemoryNotifier, Pager } from '../lib/alerts/index.js';
import { runAgentCyclesForAllSites } from '../lib/agent/index.js';
import { closeCachedConnections } from '../lib/clickhouse/index.js';
import { loadTopology, withExtraEndpoints, type Topology } from '../lib/config/index.js';
import { replicaConnector, runCycle, type HealthReport } from '../lib/cycle/index.js';
import { down, startBlackhole, startFetches, stopFetches, up } from '../lib/localcluster/index.js';
import { systemClock } from '../lib/probe/index.js';
import { renderColumns } from '../lib/report/index.js';
import { MemoryStateStore } from '../lib/state/index.js';
import { failoverDrill } from './bench-failover.js';

const exec = promisify(execFile);
const DIR = '.chdr/bench-cluster';
const PORT_BASE = 16_000;
const ROUNDS = 5;

interface Row {
  measure: string;
  value: string;
  note: string;
}
const rows: Row[] = [];
const record = (measure: string, value: string, note = '') => {
  rows.push({ measure, value, note });
  process.stderr.write(`  ${measure}: ${value}${note ? ` (${note})` : ''}\n`);
};
const ms = (value: number) => `${value.toFixed(0)} ms`;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const timed = async <T>(work: () => Promise<T>): Promise<[T, number]> => {
  const started = performance.now();
  const value = await work();
  return [value, performance.now() - started];
};

/** TCP forwarders so one local server answers under many endpoints (the 50-endpoint topology). */
const forwarder = (targetPort: number): Promise<Server> =>
  new Promise((resolve) => {
    const server = createServer((client) => {
      const upstream = tcpConnect(targetPort, '127.0.0.1');
      client.pipe(upstream).pipe(client);
      const close = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', close);
      upstream.on('error', close);
    });
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
const portOf = (server: Server) => (server.address() as { port: number }).port;

const widen = async (
  topology: Topology,
  endpoints: number,
): Promise<{ topology: Topology; servers: Server[] }> => {
  const servers: Server[] = [];
  const standby = topology.sites[1]!;
  const replicaTarget = standby.replicas[0]!;
  const nodeTarget = standby.coordination[0]!;
  const extraReplicas = [];
  const extraNodes = [];
  const base = topology.sites.reduce((sum, site) => sum + site.replicas.length + site.coordination.length, 0);
  for (let i = 0; base + extraReplicas.length + extraNodes.length < endpoints; i++) {
    if (i % 2 === 0) {
      const server = await forwarder(replicaTarget.httpPort);
      servers.push(server);
      extraReplicas.push({ name: `ch3-alias${i}`, host: '127.0.0.1', httpPort: portOf(server) });
    } else {
      const server = await forwarder(nodeTarget.clientPort);
      servers.push(server);
      extraNodes.push({
        name: `zk4-alias${i}`,
        kind: 'zookeeper' as const,
        host: '127.0.0.1',
        clientPort: portOf(server),
        role: 'observer' as const,
      });
    }
  }
  const widened = withExtraEndpoints(topology, standby.name, {
    replicas: extraReplicas,
    coordination: extraNodes,
  });
  return { topology: widened, servers };
};

/** The reference guide's checks as a shell loop: curl /replicas_status, echo mntr | nc, a heartbeat query. */
const shellChecks = (topology: Topology, site: string): string => {
  const lines: string[] = [];
  for (const s of topology.sites) {
    for (const node of s.coordination)
      lines.push(`echo mntr | nc -w 3 ${node.host} ${node.clientPort} >/dev/null || true`);
  }
  const own = topology.sites.find((s) => s.name === site)!;
  for (const replica of own.replicas)
    lines.push(`curl -s -m 3 http://${replica.host}:${replica.httpPort}/replicas_status >/dev/null || true`);
  const replica = own.replicas[0]!;
  const url = `http://${replica.host}:${replica.httpPort}/`;
  lines.push(
    `curl -s -m 3 '${url}' --data-binary "INSERT INTO default.heart_beat SELECT '${site}', now()" >/dev/null || true`,
  );
  lines.push(
    `curl -s -m 3 '${url}' --data-binary "SELECT site_id, now() - max(updated_at) FROM default.heart_beat GROUP BY site_id" >/dev/null || true`,
  );
  return lines.join('\n');
};

const cycleOnce = async (topology: Topology, site: string): Promise<HealthReport> => {
  const connect = await replicaConnector(topology, { env: process.env });
  return runCycle({ topology, siteName: site, clock: systemClock, connect });
};

const benchCycles = async (topology: Topology) => {
  process.stderr.write('cycle wall time\n');
  await cycleOnce(topology, 'standby'); // table exists, connections open
  const warm: number[] = [];
  for (let i = 0; i < ROUNDS; i++) warm.push((await cycleOnce(topology, 'standby')).durationMs);
  record(
    'cycle, warm (standby site, 4 coordination + 1 replica + heartbeat)',
    ms(median(warm)),
    `median of ${ROUNDS}`,
  );

  const cold: number[] = [];
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    await exec('node', [
      'bin/chdr.mjs',
      'check',
      '--config',
      join(DIR, 'topology.yaml'),
      '--site',
      'standby',
      '--json',
    ]).catch(() => undefined);
    cold.push(performance.now() - started);
  }
  record('cycle, cold (fresh `chdr check` process)', ms(median(cold)), 'median of 3, includes Node start-up');

  const blackhole = await startBlackhole();
  const withBlackhole = withExtraEndpoints(topology, 'standby', {
    replicas: [{ name: 'blackhole', host: blackhole.host, httpPort: blackhole.port }],
  });
  const [, blackholeMs] = await timed(() => cycleOnce(withBlackhole, 'standby'));
  await blackhole.close();
  record(
    'cycle with one blackholed replica',
    ms(blackholeMs),
    `probe timeout ${topology.timeouts.probeMs} ms`,
  );

  const { topology: wide, servers } = await widen(topology, 50);
  await cycleOnce(wide, 'standby');
  const wideTimes: number[] = [];
  for (let i = 0; i < ROUNDS; i++) wideTimes.push((await cycleOnce(wide, 'standby')).durationMs);
  record(
    'cycle with 50 endpoints, warm',
    ms(median(wideTimes)),
    `median of ${ROUNDS}; aliases via loopback forwarders`,
  );

  const haveTools = spawnSync('sh', ['-c', 'command -v curl && command -v nc']).status === 0;
  if (haveTools) {
    for (const [label, t] of [
      ['same topology', topology],
      ['50 endpoints', wide],
    ] as const) {
      const script = shellChecks(t, 'standby');
      const times: number[] = [];
      for (let i = 0; i < 3; i++) {
        const started = performance.now();
        // Asynchronously: the loopback forwarders live in this process and must keep forwarding.
        await exec('bash', ['-c', script]);
        times.push(performance.now() - started);
      }
      record(
        `sequential shell checks (curl, nc, heartbeat), ${label}`,
        ms(median(times)),
        'the reference guide’s way, median of 3',
      );
    }
  } else {
    record('sequential shell checks', 'n/a', 'curl and nc (netcat-openbsd) not installed');
  }
  for (const server of servers) server.close();
};

const benchBundles = async () => {
  process.stderr.write('bundles\n');
  const out = mkdtempSync(join(tmpdir(), 'chdr-bench-'));
  for (const fn of ['monitor', 'failover']) {
    const outfile = join(out, `${fn}.mjs`);
    // The same options as serverless.yml's esbuild section.
    await build({
      entryPoints: [`functions/${fn}.ts`],
      outfile,
      bundle: true,
      minify: true,
      platform: 'node',
      format: 'esm',
      target: 'node22',
      banner: {
        js: "import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);",
      },
      logLevel: 'silent',
    });
    const size = statSync(outfile).size;
    const init: number[] = [];
    for (let i = 0; i < 5; i++) {
      const { stdout } = await exec('node', [
        '--input-type=module',
        '-e',
        `const t = performance.now(); await import(${JSON.stringify(outfile)}); console.log(performance.now() - t);`,
      ]);
      init.push(Number(stdout.trim()));
    }
    record(`bundle functions/${fn}`, `${(size / 1024).toFixed(0)} KiB`, 'minified ESM, AWS SDK included');
    record(`module init functions/${fn}`, ms(median(init)), 'fresh Node process, median of 5');
  }
};

const benchDetection = async (topology: Topology) => {
  process.stderr.write('detection latency\n');
  const connect = await replicaConnector(topology, { env: process.env });
  const store = new MemoryStateStore();
  const notifier = new MemoryNotifier();
  const pager = new Pager({ store, notifier });
  const publisher = { publish: async () => ({ calls: 1, datums: 0 }) };
  const cycleAll = () =>
    runAgentCyclesForAllSites({ topology, clock: systemClock, connect, store, publisher, pager });
  // Start from a healthy cluster (both sites ok), with nothing paged yet.
  for (let i = 0; i < 30; i++) {
    if ((await cycleAll()).every((result) => result.report.status === 'ok')) break;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  notifier.sent.length = 0;
  const lagCritical = (report: HealthReport) =>
    report.checks.some(
      (c) => c.kind === 'heartbeat-lag' && c.subject === 'primary' && c.status === 'critical',
    );
  const injected = performance.now();
  await stopFetches(DIR, 'ch3');
  let verdictAt: number | undefined;
  let pageAt: number | undefined;
  for (let i = 0; i < 60 && (verdictAt === undefined || pageAt === undefined); i++) {
    const [, standby] = await cycleAll();
    if (verdictAt === undefined && lagCritical(standby!.report)) verdictAt = performance.now();
    if (
      pageAt === undefined &&
      notifier.sent.some((n) => n.subject.startsWith('[CRITICAL]') && n.subject.includes('heartbeat-lag'))
    ) {
      pageAt = performance.now();
    }
    if (pageAt === undefined) await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  await startFetches(DIR, 'ch3');
  const note = `stopped fetches on the standby; cycles every 1 s; lag critical at ${topology.thresholds.heartbeatLagCriticalSeconds} s`;
  record('detection: fault → critical verdict', verdictAt ? ms(verdictAt - injected) : 'not seen', note);
  record(
    'detection: fault → page',
    pageAt ? ms(pageAt - injected) : 'not seen',
    'production adds the schedule interval (1 min)',
  );
};

const main = async () => {
  process.stderr.write(`bringing up the bench cluster in ${DIR}\n`);
  const [{ state }, upMs] = await timed(() => up({ dir: DIR, portBase: PORT_BASE }));
  record('local cluster up (4 ZooKeeper + 3 ClickHouse)', ms(upMs));
  try {
    const topology = await loadTopology(state.topologyPath);
    await benchCycles(topology);
    await benchDetection(topology);
    await closeCachedConnections();
  } finally {
    const [, downMs] = await timed(() => down({ dir: DIR }));
    record('local cluster down', ms(downMs));
  }
  await benchBundles();
  for (const phase of await failoverDrill())
    record(`failover drill: ${phase.phase}`, ms(phase.ms), phase.note ?? '');

  mkdirSync('bench-results', { recursive: true });
  writeFileSync(
    'bench-results/bench.json',
    `${JSON.stringify({ at: new Date().toISOString(), rows }, null, 2)}\n`,
  );
  process.stdout.write(
    `\n${renderColumns([['MEASURE', 'VALUE', 'NOTE'], ...rows.map((r) => [r.measure, r.value, r.note])])}\n`,
  );
  process.stdout.write('\nwritten: bench-results/bench.json\n');
};

await main();
