// `npm run bench`: speed and size figures and the goals of issue 15, measured side by side in one run,
// written to bench-results/bench.json and to the README's benchmark block. Strict: any command that fails
// fails the bench. A goal not met is reported as FAIL, not an error. It starts its own clusters and stops them.
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { MemoryNotifier, Pager } from '../lib/alerts/index.js';
import { runAgentCyclesForAllSites } from '../lib/agent/index.js';
import { closeCachedConnections } from '../lib/clickhouse/index.js';
import { loadTopology, type Topology } from '../lib/config/index.js';
import { replicaConnector, type HealthReport } from '../lib/cycle/index.js';
import { down, startFetches, status, stopFetches, up, type NodeKind } from '../lib/localcluster/index.js';
import { catalogMarkdown, lambdaCost } from '../lib/metrics/index.js';
import { systemClock } from '../lib/probe/index.js';
import { renderColumns } from '../lib/report/index.js';
import { MemoryStateStore } from '../lib/state/index.js';
import { benchBundles } from './bench-bundles.js';
import { benchColdCheck, benchStartup, requireShellTools } from './bench-cli.js';
import { benchCycles, cycleOnce, settle } from './bench-cycle.js';
import { failoverDrill } from './bench-failover.js';
import { pagesPerIncident } from './bench-paging.js';
import { BenchLog, seconds, timeCommand, timed } from './bench-measure.js';
import {
  BENCH_BLOCK,
  BENCH_JSON,
  README,
  monitorFunctionSize,
  renderBenchMarkdown,
  type BenchResults,
} from './bench-report.js';
import { withGeneratedBlock } from './generated-block.js';

const METRICS_DOCS = 'docs/metrics.md';
const METRICS_BLOCK = { name: 'catalog', testFile: 'test/unit/metrics/docs.test.ts' };

const writeGeneratedBlock = (file: string, block: { name: string; testFile: string }, content: string) =>
  writeFileSync(file, withGeneratedBlock(readFileSync(file, 'utf8'), block.name, block.testFile, content));

const DIR = '.chdr/bench-cluster';
const PORT_BASE = 16_000;
const SITE = 'standby';
const round1 = (value: number) => Math.round(value * 10) / 10;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Cycles both sites until both are healthy; the figures below start from a healthy cluster. */
const untilHealthy = async (cycleAll: () => Promise<HealthReport[]>): Promise<void> => {
  for (let i = 0; i < 30; i++) {
    const reports = await cycleAll();
    if (reports.every((report) => report.status === 'ok')) return;
    await sleep(1_000);
  }
  throw new Error('the bench cluster did not become healthy within 30 s');
};

const benchDetection = async (log: BenchLog, topology: Topology): Promise<void> => {
  process.stderr.write('detection latency\n');
  const connect = await replicaConnector(topology, { env: process.env });
  const notifier = new MemoryNotifier();
  const store = new MemoryStateStore();
  const pager = new Pager({ store, notifier });
  const publisher = { publish: async () => ({ calls: 1, datums: 0 }) };
  const cycleAll = async () =>
    (await runAgentCyclesForAllSites({ topology, clock: systemClock, connect, store, publisher, pager })).map(
      (result) => result.report,
    );
  await untilHealthy(cycleAll);
  notifier.sent.length = 0;
  const lagCritical = (report: HealthReport) =>
    report.checks.some(
      (c) => c.kind === 'heartbeat-lag' && c.subject === 'primary' && c.status === 'critical',
    );
  const injected = performance.now();
  await stopFetches(DIR, 'ch3');
  let verdictAt: number | undefined;
  let pageAt: number | undefined;
  try {
    for (let i = 0; i < 60 && pageAt === undefined; i++) {
      const [, standby] = await cycleAll();
      if (verdictAt === undefined && lagCritical(standby!)) verdictAt = performance.now();
      if (
        notifier.sent.some((n) => n.subject.startsWith('[CRITICAL]') && n.subject.includes('heartbeat-lag'))
      )
        pageAt = performance.now();
      else await sleep(1_000);
    }
  } finally {
    await startFetches(DIR, 'ch3');
  }
  if (verdictAt === undefined || pageAt === undefined)
    throw new Error('detection: the stopped fetches were not paged within 60 cycles');
  log.figure(
    'fault → critical verdict → page (stopped fetches on the standby)',
    `${seconds(verdictAt - injected)} / ${seconds(pageAt - injected)}`,
    `critical lag threshold ${topology.thresholds.heartbeatLagCriticalSeconds} s, cycles every 1 s; in AWS add up to one schedule interval`,
  );
};

/** Issue 13's figure: how many messages one incident sends, both agents running (as in AWS, one per region). */
const benchPagesPerIncident = async (log: BenchLog): Promise<void> => {
  const result = await pagesPerIncident({ clusterDir: DIR });
  if (result.critical !== 1 || result.resolved !== 1)
    throw new Error(
      `pages per incident: ${result.critical} critical, ${result.resolved} resolved (${result.subjects.join('; ')})`,
    );
  log.figure(
    'pages per incident (quorum lost for 20 s: 2 of 3 primary ZooKeeper participants stopped)',
    `${result.critical} critical + ${result.resolved} resolved`,
    `both sites' agents every 2 s, ${result.cycles} cycles; ${result.total} messages in all`,
  );
};

const benchOnCluster = async (log: BenchLog): Promise<{ cpuMs: number; wallMs: number }> => {
  process.stderr.write(`bringing up the bench cluster in ${DIR}\n`);
  await down({ dir: DIR });
  const [{ state }, upMs] = await timed(() => up({ dir: DIR, portBase: PORT_BASE }));
  try {
    const topology = await loadTopology(state.topologyPath);
    await untilHealthy(() => Promise.all(topology.sites.map((site) => cycleOnce(topology, site.name))));
    await settle(topology);
    const nodes = (await status(DIR)).nodes;
    const pidsOf = (kind: NodeKind) =>
      nodes.flatMap((node) => (node.kind === kind && node.pid ? [node.pid] : []));
    const warm = await benchCycles(log, topology, SITE, {
      zookeeper: pidsOf('zookeeper'),
      clickhouse: pidsOf('clickhouse'),
    });
    // The standby's check is healthy only while the primary's heartbeat is fresh: write it before each run.
    await benchColdCheck(log, state.topologyPath, topology, SITE, async () => {
      await cycleOnce(topology, 'primary');
    });
    await benchDetection(log, topology);
    await benchPagesPerIncident(log);
    await closeCachedConnections();
    return warm;
  } finally {
    const [, downMs] = await timed(() => down({ dir: DIR }));
    log.figure(
      'local cluster up / down',
      `${seconds(upMs)} / ${seconds(downMs)}`,
      '4 ZooKeeper + 3 ClickHouse 18.16',
    );
  }
};

const main = async () => {
  requireShellTools();
  // Other work on the machine slows every figure; the goals compare figures taken side by side.
  const loadAtStart = loadavg()[0]!;
  const log = new BenchLog();
  await benchStartup(log);
  const cycle = await benchOnCluster(log);
  await benchBundles(log);

  const reference = await loadTopology('examples/two-region.yaml');
  const profile = {
    ...monitorFunctionSize(),
    cycleCpuMs: round1(cycle.cpuMs),
    cycleWallMs: Math.round(cycle.wallMs),
  };
  const cost = lambdaCost(reference, profile);
  log.figure(
    'monitor Lambda per site and month (cost model)',
    `$${cost.usd.total.toFixed(2)}`,
    `${profile.memoryMb} MB ${profile.architecture}: ${profile.cycleCpuMs} ms CPU per cycle → ~${cost.billedMsPerCycle} ms billed, ${cost.invocationsPerMonth.toLocaleString('en-US')} invocations`,
  );

  process.stderr.write('demo\n');
  const demoMs = await timeCommand('node', ['bin/chdr.cjs', 'demo', '--dir', '.chdr/bench-demo'], {
    timeoutMs: 300_000,
  });
  log.figure(
    '`npm run demo` (`chdr demo`): nothing → two faults paged → cleaned up',
    seconds(demoMs),
    'exit 0: every fault detected',
  );

  for (const phase of await failoverDrill())
    log.figure(`failover drill: ${phase.phase}`, seconds(phase.ms), phase.note ?? '');

  const results: BenchResults = {
    at: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    node: process.version,
    machine: `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'} (load average ${loadAtStart.toFixed(1)} when the run began)`,
    figures: log.figures,
    goals: log.goals,
    cycle: { cycleCpuMs: profile.cycleCpuMs, cycleWallMs: profile.cycleWallMs },
  };
  mkdirSync('bench-results', { recursive: true });
  writeFileSync(BENCH_JSON, `${JSON.stringify(results, null, 2)}\n`);
  writeGeneratedBlock(README, BENCH_BLOCK, renderBenchMarkdown(results));
  writeGeneratedBlock(METRICS_DOCS, METRICS_BLOCK, catalogMarkdown(reference, { lambda: profile }));
  process.stdout.write(
    `\n${renderColumns([['GOAL', 'MEASURED', 'LIMIT', 'RESULT'], ...log.goals.map((g) => [g.goal, g.measured, g.limit, g.pass ? 'PASS' : 'FAIL'])])}\n`,
  );
  process.stdout.write(
    `\n${renderColumns([['MEASURE', 'VALUE', 'NOTE'], ...log.figures.map((f) => [f.measure, f.value, f.note])])}\n`,
  );
  process.stdout.write(
    `\nwritten: ${BENCH_JSON}, the benchmark block of ${README}, the cost model in ${METRICS_DOCS}\n`,
  );
};

await main();
