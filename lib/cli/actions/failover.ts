import { hostname, userInfo } from 'node:os';
import { loadCliTopology } from './topology.js';
import { localFencerFor } from '../../fence/index.js';
import {
  RUN_RESULTS,
  createFailoverRuntime,
  executeOperation,
  describeRoles,
  formatHistory,
  formatPlan,
  listAllRuns,
  planOperation,
  readLiveRoles,
  type OperationKind,
} from '../../failover/index.js';
import { localStatePath } from './state-store.js';

export interface OperationOptions {
  config: string;
  from: string;
  to: string;
  execute?: boolean;
  acceptDataLoss?: boolean;
  fenceUnconfirmed?: string;
  confirmRegionLost?: string;
  acceptRunningInserts?: boolean;
  expectPrimary?: string;
  ackRecent?: boolean;
  abandonOpenRun?: boolean;
  stateFile?: string;
  json?: boolean;
  reinsertDivergent?: boolean;
  ackUnreadNodes?: string;
}

/** Stops between steps on Ctrl-C: the run stays open and the same command resumes it. */
const abortOnSignal = (): { signal: AbortSignal; dispose(): void } => {
  const controller = new AbortController();
  const onSignal = () => {
    process.stderr.write('chdr: stopping after the current step (run the same command to resume)\n');
    controller.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
};

export const operation = async (kind: OperationKind, options: OperationOptions): Promise<void> => {
  const topology = await loadCliTopology(options.config);
  const request = {
    kind,
    from: options.from,
    to: options.to,
    startedBy: `${userInfo().username}@${hostname()}`,
    ...(options.acceptDataLoss ? { acceptDataLoss: true } : {}),
    ...(options.fenceUnconfirmed ? { fenceUnconfirmed: options.fenceUnconfirmed } : {}),
    ...(options.confirmRegionLost ? { confirmRegionLost: options.confirmRegionLost } : {}),
    ...(options.acceptRunningInserts ? { acceptRunningInserts: true } : {}),
    ...(options.expectPrimary ? { expectPrimary: options.expectPrimary } : {}),
    ...(options.ackRecent ? { ackRecent: true } : {}),
    ...(options.abandonOpenRun ? { abandonOpenRun: true } : {}),
    ...(options.reinsertDivergent && kind === 'recover' ? { reinsertDivergent: true } : {}),
    ...(options.ackUnreadNodes
      ? { ackUnreadNodes: options.ackUnreadNodes.split(',').map((node) => node.trim()) }
      : {}),
  };
  const abort = abortOnSignal();
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const fencer =
    topology.failover.executor.kind === 'local' ? await localFencerFor(options.config) : undefined;
  const runtime = await createFailoverRuntime(topology, {
    stateFile: options.stateFile ?? localStatePath(topology),
    ...(fencer ? { fencer } : {}),
    log: options.json ? () => undefined : log,
    signal: abort.signal,
  });
  try {
    if (!options.execute) {
      const plan = await planOperation(topology, request, runtime.deps);
      process.stdout.write(options.json ? `${JSON.stringify(plan, null, 2)}\n` : `${formatPlan(plan)}\n`);
      return;
    }
    const report = await executeOperation(topology, request, runtime.deps);
    if (options.json) process.stdout.write(`${JSON.stringify(report.record, null, 2)}\n`);
    else process.stdout.write(`\n${formatHistory([report.record])}\njournal: ${report.journalKey}\n`);
    process.exitCode =
      report.result === RUN_RESULTS.succeeded || report.result === RUN_RESULTS.alreadyDone ? 0 : 1;
  } finally {
    abort.dispose();
    await runtime.close();
  }
};

export const history = async (options: { config: string; stateFile?: string; json?: boolean }) => {
  const topology = await loadCliTopology(options.config);
  const runtime = await createFailoverRuntime(topology, {
    stateFile: options.stateFile ?? localStatePath(topology),
  });
  try {
    const sites = topology.sites.map((site) => site.name);
    const { runs, unreadable } = await listAllRuns(runtime.deps, sites);
    if (options.json) {
      process.stdout.write(`${JSON.stringify(runs, null, 2)}\n`);
      return;
    }
    const roles = await readLiveRoles(runtime.deps, topology);
    const missing = unreadable.map((u) => `(${u.site}'s journal could not be read: ${u.reason})\n`);
    process.stdout.write(`Roles: ${describeRoles(roles)}\n${missing.join('')}\n${formatHistory(runs)}\n`);
  } finally {
    await runtime.close();
  }
};
