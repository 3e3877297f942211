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
/** Output kept per step in the journal. */
export const MAX_OUTPUT_EXCERPT_CHARS = 2_000;
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
} as const;

export const SERVICES = {
  zookeeper: 'zookeeper',
  keeper: 'clickhouse-keeper',
  clickhouse: 'clickhouse-server',
} as const;

/**
 * Moves a coordination node's data aside (kept as `<dir>.chdr-<runId>`, never deleted) so that a node
 * rejoining another ensemble takes a full snapshot from its leader instead of a diff against a history
 * the new leader never had (ZooKeeper would otherwise compare zxids across epochs; Raft terms likewise).
 */
export const DEFAULT_RESET_DATA_COMMANDS = {
  zookeeper:
    'for k in dataDir dataLogDir; do d=$(sed -n "s/^$k=//p" {path}); ' +
    'if [ -n "$d" ] && [ -d "$d/version-2" ]; then mv "$d/version-2" "$d/version-2.chdr-{runId}"; fi; done',
  keeper:
    'for t in log_storage_path snapshot_storage_path; do d=$(sed -n "s:.*<$t>\\(.*\\)</$t>.*:\\1:p" {path}); ' +
    'if [ -n "$d" ] && [ -d "$d" ]; then mv "$d" "$d.chdr-{runId}" && mkdir -p "$d"; fi; done',
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
