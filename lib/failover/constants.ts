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
} as const;

export const NOTIFY_EVENTS = ['started', 'step-failed', 'finished'] as const;

/** Keys in the state store (DynamoDB `pk`). Paging state lives beside them under its own prefix. */
export const STATE_KEYS = {
  lock: 'failover#lock',
  open: 'failover#open',
  runPrefix: 'failover#run#',
} as const;

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
