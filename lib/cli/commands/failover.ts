import { Option, type Command } from 'commander';
import { OPERATION_KINDS } from '../../failover/constants.js';
import type { OperationKind } from '../../failover/types.js';
import type { OperationOptions } from '../actions/failover.js';
import { configOption } from '../topology-option.js';

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
    'lock and journal file when the config names no failover.stackStage (default .chdr/state/<cluster>.json)',
  );

const registerOperation = (program: Command, kind: OperationKind): void => {
  program
    .command(kind)
    .description(`${DESCRIPTIONS[kind]}; prints the plan unless --execute`)
    .addOption(configOption())
    .requiredOption('--from <site>', 'the site losing (or that lost) the primary role')
    .requiredOption('--to <site>', 'the site taking the primary role')
    .option('--execute', 'carry out the plan (without it nothing is changed)')
    .option(
      '--accept-data-loss',
      'failover: proceed although the target is estimated to miss more than failover.maxLagSeconds of writes (journaled)',
    )
    .option(
      '--fence-unconfirmed <what-was-done>',
      'failover: the old site could not be fenced by chdr; say what you did by hand to stop it (journaled)',
    )
    .option(
      '--confirm-region-lost <evidence>',
      "failover: the source's agent still reported writes (looks like a partition); your evidence the region is lost (journaled)",
    )
    .option('--accept-running-inserts', 'failover: proceed although INSERTs are running on the target')
    .option('--expect-primary <site>', 'refuse unless this site is observed as the primary now')
    .option('--ack-recent', 'proceed inside the anti-flapping block period after the last failover')
    .option(
      '--abandon-open-run',
      'mark the unfinished run of another operation as abandoned and start this one (the cluster is left as that run left it)',
    )
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
    .action(async (options: OperationOptions) =>
      (await import('../actions/failover.js')).operation(kind, options),
    );
};

/** `chdr failover|recover|failback|switchover` and `chdr history`. */
export const registerFailoverCommands = (program: Command): void => {
  for (const kind of OPERATION_KINDS) registerOperation(program, kind);
  program
    .command('history')
    .description(
      "the live roles, then past failover operations from every site's journal: kind, sites, who, when, result, RPO, RTO, step durations",
    )
    .addOption(configOption())
    .addOption(stateFileOption())
    .option('--json', 'print the runs as JSON')
    .action(async (options: { config: string; stateFile?: string; json?: boolean }) =>
      (await import('../actions/failover.js')).history(options),
    );
};
