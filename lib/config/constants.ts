export const SITE_ROLES = ['primary', 'standby'] as const;
export const COORDINATION_KINDS = ['keeper', 'zookeeper'] as const;
export const COORDINATION_ROLES = ['participant', 'observer'] as const;

export const DEFAULT_CLICKHOUSE_HTTP_PORT = 8123;
export const DEFAULT_KEEPER_CLIENT_PORT = 9181;
export const DEFAULT_ZOOKEEPER_CLIENT_PORT = 2181;
export const DEFAULT_PROBE_TIMEOUT_MS = 3_000;
export const DEFAULT_CYCLE_DEADLINE_MS = 20_000;
export const DEFAULT_METRICS_NAMESPACE = 'CHDR';
export const DEFAULT_SCHEDULE = 'rate(1 minute)';
/** Exit code the CLI uses for a bad config file or bad arguments. */
export const EXIT_USAGE = 2;
