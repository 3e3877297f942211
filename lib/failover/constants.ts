import { dirname } from 'node:path/posix';
import { FENCE_MARKER_PATH } from '../fence/constants.js';

/** What the failover function can do. `--from` is the site losing (or having lost) the primary role, `--to` the one taking it. */
export const OPERATION_KINDS = ['failover', 'recover', 'failback', 'switchover'] as const;

/** Operations that move the primary role; the anti-flapping block period applies to them. */
export const ROLE_MOVING_KINDS = ['failover', 'failback', 'switchover'] as const;

/** `check` steps only look (and are re-run when resuming a new run); `change` steps change the cluster. */
export const STEP_KINDS = ['check', 'change'] as const;

export const STEP_STATES = {
  started: 'started',
  verified: 'verified',
  skipped: 'skipped',
  failed: 'failed',
  rolledBack: 'rolled-back',
  rollbackFailed: 'rollback-failed',
} as const;

export const RUN_RESULTS = {
  running: 'running',
  succeeded: 'succeeded',
  alreadyDone: 'already-done',
  failed: 'failed',
  rolledBack: 'rolled-back',
  refused: 'refused',
  abandoned: 'abandoned',
  /** Persisted before a step that might not fit this Lambda invocation; a fresh invocation continues it. */
  continued: 'continued',
} as const;

export const NOTIFY_EVENTS = ['started', 'step-failed', 'finished'] as const;

/** Keys in the state store (DynamoDB `pk`). Paging state lives beside them under its own prefix. */
export const STATE_KEYS = {
  lock: 'failover#lock',
  open: 'failover#open',
  runPrefix: 'failover#run#',
} as const;

/** Time a step may run past its own deadline (its waits end there) before it is cancelled. */
export const STEP_GRACE_MS = 5_000;
/** After cancelling a timed-out step, how long the engine waits for it to stop before going on. */
export const STEP_CANCEL_WAIT_MS = 10_000;
/** Room kept in a Lambda invocation for journaling and handing the run to the next invocation. */
export const CONTINUATION_MARGIN_MS = 15_000;

/** A lock not renewed for this long is taken to be left over from a crashed run. */
export const DEFAULT_LOCK_TTL_SECONDS = 15 * 60;
/** Journal items are kept for a year (DynamoDB TTL). */
export const JOURNAL_TTL_SECONDS = 365 * 24 * 3600;
/** Transcript (commands run, progress) kept per step in the journal. */
export const MAX_OUTPUT_EXCERPT_CHARS = 2_000;
/** Findings kept per step in the journal: what an operator acts on is not cut for a long transcript. */
export const MAX_FINDINGS_EXCERPT_CHARS = 8_000;
/** How often waits (leader elected, replicas writable, queues drained) look again. */
export const DEFAULT_POLL_INTERVAL_MS = 500;
/** Timeout of a single 4lw request or SQL query issued by a step. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 3_000;

/** Default paths of a standard systemd install; `{node}` is the node's name. */
export const DEFAULT_PATHS = {
  zookeeperConfig: '/etc/zookeeper/conf/zoo.cfg',
  keeperConfig: '/etc/clickhouse-keeper/keeper_config.xml',
  clickhouseCoordinationConfig: '/etc/clickhouse-server/config.d/zookeeper.xml',
} as const;

/**
 * Default host command templates for a standard systemd install. Placeholders: `{node}`, `{host}`,
 * `{path}` (the config file), `{contentBase64}` (new file content), `{service}` (zookeeper,
 * clickhouse-keeper or clickhouse-server), `{runId}`.
 */
export const DEFAULT_COMMANDS = {
  stopCoordination: 'systemctl stop {service}',
  startCoordination: 'systemctl start {service}',
  readCoordinationConfig: 'cat {path}',
  writeCoordinationConfig:
    "printf '%s' {contentBase64} | base64 -d > {path}.chdr-new && mv -f {path}.chdr-new {path}",
  stopClickHouse: 'systemctl stop clickhouse-server',
  startClickHouse: 'systemctl start clickhouse-server',
  readClickHouseCoordinationConfig: 'cat {path}',
  writeClickHouseCoordinationConfig:
    "printf '%s' {contentBase64} | base64 -d > {path}.chdr-new && mv -f {path}.chdr-new {path}",
  /** Seconds since the epoch of the file's last change. */
  fileModifiedAt: 'stat -c %Y {path}',
  /** The marker first (the boot guard then refuses any start), then stop and disable the service. */
  fenceNode: `mkdir -p ${dirname(FENCE_MARKER_PATH)} && echo {runId} > ${FENCE_MARKER_PATH} && systemctl disable --now {service}`,
  unfenceNode: `rm -f ${FENCE_MARKER_PATH} && systemctl enable {service}`,
  /**
   * Moves a part directory into `detached/` as `chdr-<runId>_<part>`, where replication leaves it alone;
   * done already (moved by an earlier attempt) counts as success, a missing part as failure.
   */
  detachClickHousePart:
    'p={path}; p="${p%/}"; t="$(dirname "$p")/detached/chdr-{runId}_$(basename "$p")"; ' +
    'if [ -d "$t" ] && [ ! -e "$p" ]; then exit 0; fi; mkdir -p "$(dirname "$t")" && mv "$p" "$t"',
} as const;

export const SERVICES = {
  zookeeper: 'zookeeper',
  keeper: 'clickhouse-keeper',
  clickhouse: 'clickhouse-server',
} as const;

/**
 * Shell that prints a ZooKeeper node's data folders, one a line: `dataDir` and `dataLogDir` from zoo.cfg
 * (`key = value` with spaces too; the last setting wins, as in ZooKeeper).
 */
const ZOOKEEPER_DIRS =
  'for k in dataDir dataLogDir; do ' +
  'sed -n -E "s/^[[:space:]]*$k[[:space:]]*=[[:space:]]*(.*[^[:space:]])[[:space:]]*$/\\1/p" {path} | tail -n 1; done | sort -u';

/**
 * Shell that prints a Keeper node's log and snapshot folders as Keeper resolves them: the config file and
 * its `config.d/*.xml` (later files win), `log_storage_path` / `snapshot_storage_path`, else
 * `<storage_path>/logs|snapshots`, else the standalone default under /var/lib/clickhouse-keeper.
 */
const KEEPER_DIRS =
  '[ -r {path} ] || { echo "cannot read {path}" >&2; exit 1; }; ' +
  'c=$(cat {path}; for f in "$(dirname {path})"/config.d/*.xml; do if [ -f "$f" ]; then cat "$f"; fi; done); ' +
  'v() { printf "%s" "$c" | sed -n -E "s:.*<$1>[[:space:]]*([^<]*[^<[:space:]])[[:space:]]*</$1>.*:\\1:p" | tail -n 1; }; ' +
  's=$(v storage_path); s=${s:-/var/lib/clickhouse-keeper}; ' +
  'l=$(v log_storage_path); n=$(v snapshot_storage_path); printf "%s\\n%s\\n" "${l:-$s/logs}" "${n:-$s/snapshots}" | sort -u';

/** Runs `body` for each folder `dirs` prints, as `$d`; fails unless something was found to act on (`found=1`). */
const eachDir = (dirs: string, body: string, nothing: string): string =>
  `found=0; while IFS= read -r d; do [ -n "$d" ] || continue; ${body}; done < <(${dirs}); ` +
  `[ "$found" = 1 ] || { echo "${nothing} (config {path})" >&2; exit 1; }`;

/**
 * Moves a coordination node's data aside (kept as `<dir>.chdr-<runId>`, never deleted) so that a node
 * rejoining another ensemble takes a full snapshot from its leader instead of a diff against a history
 * the new leader never had (ZooKeeper would otherwise compare zxids across epochs; Raft terms likewise).
 * Fails closed (the executors run bash with `-e -o pipefail`): a failed move stops it, and finding
 * nothing to move (nor moved by this run already) is an error, not a success.
 */
export const DEFAULT_RESET_DATA_COMMANDS = {
  zookeeper: eachDir(
    ZOOKEEPER_DIRS,
    // Moved by an earlier attempt of this run: a version-2 beside it is the new epoch's, left alone.
    'if [ -d "$d/version-2.chdr-{runId}" ]; then found=1; ' +
      'elif [ -d "$d/version-2" ]; then mv "$d/version-2" "$d/version-2.chdr-{runId}"; found=1; fi',
    'no ZooKeeper data (dataDir/version-2) found to move aside',
  ),
  keeper: eachDir(
    KEEPER_DIRS,
    'if [ -d "$d.chdr-{runId}" ]; then found=1; elif [ -d "$d" ]; then mv "$d" "$d.chdr-{runId}"; mkdir -p "$d"; found=1; fi',
    'no Keeper log or snapshot folder found to move aside',
  ),
} as const;

/** Copies a folder beside itself as `<dir>.chdr-backup-<runId>` (through a temporary name), unless already there. */
const BACKUP_BODY =
  'if [ -d "$d.chdr-backup-{runId}" ]; then found=1; elif [ -d "$d" ]; then rm -rf "$d.chdr-tmp-{runId}"; ' +
  'cp -a "$d" "$d.chdr-tmp-{runId}"; mv "$d.chdr-tmp-{runId}" "$d.chdr-backup-{runId}"; found=1; fi';

/**
 * Copies the coordination data beside itself before a new ensemble is formed from it (the Keeper docs'
 * step 2; for ZooKeeper the undo's way back). A backup this run already made is kept, never overwritten
 * with newer data.
 */
export const DEFAULT_BACKUP_COMMANDS = {
  zookeeper: eachDir(ZOOKEEPER_DIRS, BACKUP_BODY, 'no ZooKeeper data folder found to back up'),
  keeper: eachDir(KEEPER_DIRS, BACKUP_BODY, 'no Keeper log or snapshot folder found to back up'),
} as const;

/** Moves the new epoch's folder aside as `<dir>.chdr-epoch-<runId>` (never deleted) and copies the backup back. */
const RESTORE_BODY =
  '[ -d "$d.chdr-backup-{runId}" ] || { echo "no backup $d.chdr-backup-{runId} to restore" >&2; exit 1; }; ' +
  'if [ -d "$d" ] && [ ! -e "$d.chdr-epoch-{runId}" ]; then mv "$d" "$d.chdr-epoch-{runId}"; fi; ' +
  // Restored by an earlier attempt: the folder in place is the restored one (and what ran on it since).
  'if [ ! -d "$d" ]; then rm -rf "$d.chdr-tmp-{runId}"; cp -a "$d.chdr-backup-{runId}" "$d.chdr-tmp-{runId}"; ' +
  'mv "$d.chdr-tmp-{runId}" "$d"; fi; found=1';

/**
 * The undo of a new ensemble before the point of no return: each node gets back the data it had before
 * this run, and what the new ensemble wrote meanwhile (its epoch) is kept aside, so that neither a retry
 * nor the old ensemble's return ever meets a history from another epoch.
 */
export const DEFAULT_RESTORE_DATA_COMMANDS = {
  zookeeper: eachDir(ZOOKEEPER_DIRS, RESTORE_BODY, 'no ZooKeeper data folder found to restore'),
  keeper: eachDir(KEEPER_DIRS, RESTORE_BODY, 'no Keeper log or snapshot folder found to restore'),
} as const;

/**
 * One named override per refusal of a forced failover (the request field and the CLI flag). A refusal
 * without an entry here has no override: "the source's ensemble still has a leader" is fenced or switched
 * over, never overridden.
 */
export const OVERRIDES = {
  acceptDataLoss: '--accept-data-loss',
  fenceUnconfirmed: '--fence-unconfirmed "<what was done by hand>"',
  confirmRegionLost: '--confirm-region-lost "<evidence>"',
  acceptRunningInserts: '--accept-running-inserts',
} as const;
