// The failover drill of `npm run bench`: a local cluster of its own loses its primary site, fails over
// (fencing it), recovers the old primary and fails back, then freezes the primary and fails over again;
// each phase is timed. An operation that does not succeed fails the bench.
import { parseTopologyText } from '../lib/config/parse.js';
import {
  createFailoverRuntime,
  executeOperation,
  type OperationRequest,
  type RunReport,
} from '../lib/failover/index.js';
import { down, readState, renderTopology, stopSite, up } from '../lib/localcluster/index.js';
import { MemoryStateStore } from '../lib/state/index.js';

const DIR = '.chdr/bench-failover';
// CHDR_BENCH_FAILOVER_PORT_BASE keeps parallel runs on one machine apart.
const PORT_BASE = Number(process.env.CHDR_BENCH_FAILOVER_PORT_BASE ?? 16_000);

export interface DrillPhase {
  phase: string;
  ms: number;
  note?: string;
}

const sql = async (port: number, query: string): Promise<string> => {
  const response = await fetch(`http://127.0.0.1:${port}/`, {
    method: 'POST',
    body: query,
    signal: AbortSignal.timeout(10_000),
  });
  const text = (await response.text()).trim();
  if (!response.ok) throw new Error(text);
  return text;
};

const fenceMs = (report: RunReport): number =>
  report.record.steps.find((step) => step.stepId === 'fence-primary')?.durationMs ?? Number.NaN;

export const failoverDrill = async (): Promise<DrillPhase[]> => {
  process.stderr.write('failover drill\n');
  const phases: DrillPhase[] = [];
  const timed = async <T>(phase: string, work: () => Promise<T>, note?: string): Promise<T> => {
    const started = performance.now();
    const value = await work();
    phases.push({ phase, ms: performance.now() - started, ...(note ? { note } : {}) });
    return value;
  };
  await down({ dir: DIR });
  const { state } = await up({ dir: DIR, portBase: PORT_BASE });
  try {
    // Consecutive operations on purpose: no anti-flapping block period in the drill.
    const topology = parseTopologyText(
      renderTopology(state).text.replace('failover:\n', 'failover:\n  blockPeriodMinutes: 0\n'),
    );
    const port = (name: string) =>
      topology.sites.flatMap((site) => site.replicas).find((r) => r.name === name)!.httpPort;
    await sql(port('ch1'), "INSERT INTO default.heart_beat SELECT 'primary', now()");
    for (
      let i = 0;
      i < 100 &&
      (await sql(port('ch3'), "SELECT count() FROM default.heart_beat WHERE site_id = 'primary'")) === '0';
      i++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const runtime = await createFailoverRuntime(topology, { store: new MemoryStateStore() });
    const run = (request: OperationRequest) =>
      executeOperation(topology, request, { ...runtime.deps, pollIntervalMs: 250 });
    const started = performance.now();
    await timed('stop the primary site (crash)', () => stopSite(DIR, 'primary', { hard: true }));
    const failover = await timed('failover primary → standby', () =>
      run({ kind: 'failover', from: 'primary', to: 'standby' }),
    );
    phases.push({
      phase: 'RTO crash (primary lost → writable standby, fencing included)',
      ms: performance.now() - started,
      note: failover.result,
    });
    phases.push({ phase: '  of which fencing the crashed primary', ms: fenceMs(failover) });
    const recover = await timed('recover the old primary', () =>
      run({ kind: 'recover', from: 'primary', to: 'standby' }),
    );
    const failback = await timed('failback standby → primary', () =>
      run({ kind: 'failback', from: 'standby', to: 'primary' }),
    );
    // Strict: a drill whose operations did not all succeed measured nothing worth printing.
    const unfinished = [failover, recover, failback].filter((report) => report.result !== 'succeeded');
    if (unfinished.length > 0)
      throw new Error(`failover drill: ${unfinished.map((report) => report.result).join(', ')}`);
    phases.push({
      phase: 'drill end to end',
      ms: performance.now() - started,
      note: [failover, recover, failback].map((report) => report.result).join(', '),
    });
    // Freeze: every primary process SIGSTOPped (a hung VM); fencing SIGKILLs them.
    const frozen = (await readState(DIR)).nodes.filter((n) => n.site === 'primary' && n.pid !== null);
    for (const node of frozen) process.kill(node.pid!, 'SIGSTOP');
    const frozenAt = performance.now();
    const freeze = await timed('failover primary → standby (primary frozen)', () =>
      run({ kind: 'failover', from: 'primary', to: 'standby' }),
    );
    phases.push({
      phase: 'RTO freeze (primary frozen → writable standby, fencing included)',
      ms: performance.now() - frozenAt,
      note: freeze.result,
    });
    if (freeze.result !== 'succeeded') throw new Error(`failover drill (freeze): ${freeze.result}`);
    phases.push({ phase: '  of which fencing the frozen primary', ms: fenceMs(freeze) });
    for (const node of frozen) {
      try {
        process.kill(node.pid!, 'SIGCONT');
      } catch {
        // fenced: already gone
      }
    }
    await runtime.close();
  } finally {
    await down({ dir: DIR });
  }
  return phases;
};
