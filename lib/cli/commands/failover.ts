import { Option, type Command } from 'commander';
import { loadTopology } from '../../config/index.js';
import {
  OPERATION_KINDS,
  RUN_RESULTS,
  createFailoverRuntime,
  executeOperation,
  formatHistory,
  formatPlan,
  listRuns,
  planOperation,
  type OperationKind,
} from '../../failover/index.js';
import { localStatePath } from '../local-runtime.js';
import { configOption } from '../topology-option.js';

interface OperationOptions {
  config: string;
  from: string;
  to: string;
  execute?: boolean;
  force?: boolean;
  expectPrimary?: string;
  ackRecent?: boolean;
  stateFile?: string;
  json?: boolean;
  reinsertDivergent?: boolean;
  ackUnreadNodes?: string;
}

const DESCRIPTIONS: Record<OperationKind, string> = {
  failover: 'make --to the primary after --from is lost (forced; Altinity DR guide "Failover")',
  recover: 'bring the lost site --from back as the standby of --to (observers, replicas catch up)',
  failback:
    'move the primary role back from --from to --to (planned: --to catches up first, then recovery of --from)',
  switchover:
    'planned move of the primary role from --from to --to while both are up; writes are refused, not lost',
};

// Locally the lock and the journal share the one state file of the cluster (pages, pauses, heartbeats).
const stateFileOption = () =>
  new Option(
    '--state-file <file>',
    'lock and journal file when the config names no failover.stateTable (default .chdr/state/<cluster>.json)',
  );

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

const registerOperation = (program: Command, kind: OperationKind): void => {
  program
    .command(kind)
    .description(`${DESCRIPTIONS[kind]}; prints the plan unless --execute`)
    .addOption(configOption())
    .requiredOption('--from <site>', 'the site losing (or that lost) the primary role')
    .requiredOption('--to <site>', 'the site taking the primary role')
    .option('--execute', 'carry out the plan (without it nothing is changed)')
    .option('--force', 'proceed past the preflight refusals (lag, unreachable target, source still serving)')
    .option('--expect-primary <site>', 'refuse unless this site is observed as the primary now')
    .option('--ack-recent', 'proceed inside the anti-flapping block period after the last failover')
    .option('--json', 'print the plan or the run record as JSON')
    .addOption(stateFileOption())
    .option(
      '--ack-unread-nodes <nodes>',
      'comma-separated coordination nodes that answer nothing and may be left out of the most-up-to-date pick',
    )
    .addOption(
      new Option(
        '--reinsert-divergent',
        'recover: also insert the rows only the old primary had (kept in side tables) at the new primary',
      ).hideHelp(kind !== 'recover'),
    )
    .action(async (options: OperationOptions) => {
      const topology = await loadTopology(options.config);
      const request = {
        kind,
        from: options.from,
        to: options.to,
        ...(options.force ? { force: true } : {}),
        ...(options.expectPrimary ? { expectPrimary: options.expectPrimary } : {}),
        ...(options.ackRecent ? { ackRecent: true } : {}),
        ...(options.reinsertDivergent && kind === 'recover' ? { reinsertDivergent: true } : {}),
        ...(options.ackUnreadNodes
          ? { ackUnreadNodes: options.ackUnreadNodes.split(',').map((node) => node.trim()) }
          : {}),
      };
      const abort = abortOnSignal();
      const log = (line: string) => process.stdout.write(`${line}\n`);
      const runtime = await createFailoverRuntime(topology, {
        stateFile: options.stateFile ?? localStatePath(topology),
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
    });
};

/** `chdr failover|recover|failback|switchover` and `chdr history`. */
export const registerFailoverCommands = (program: Command): void => {
  for (const kind of OPERATION_KINDS) registerOperation(program, kind);
  program
    .command('history')
    .description(
      'past failover operations from the journal: kind, sites, who, when, result, RPO, RTO, step durations',
    )
    .addOption(configOption())
    .addOption(stateFileOption())
    .option('--json', 'print the runs as JSON')
    .action(async (options: { config: string; stateFile?: string; json?: boolean }) => {
      const topology = await loadTopology(options.config);
      const runtime = await createFailoverRuntime(topology, {
        stateFile: options.stateFile ?? localStatePath(topology),
      });
      try {
        const runs = await listRuns(runtime.deps.store);
        process.stdout.write(
          options.json ? `${JSON.stringify(runs, null, 2)}\n` : `${formatHistory(runs)}\n`,
        );
      } finally {
        await runtime.close();
      }
    });
};
