/** On a real host: the boot guard's marker. While it exists the guarded services refuse to start. */
export const FENCE_MARKER_PATH = '/var/lib/chdr/fenced';

/** The drop-in file name under `/etc/systemd/system/<service>.service.d/`. */
export const GUARD_DROP_IN_NAME = 'chdr-fence.conf';

/** Services the boot guard is installed for (ZooKeeper, Keeper, ClickHouse). */
export const GUARDED_SERVICES = ['zookeeper', 'clickhouse-keeper', 'clickhouse-server'] as const;

/** EC2 states that count as fenced: the instance no longer runs anything. */
export const STOPPED_INSTANCE_STATES = ['stopping', 'stopped', 'shutting-down', 'terminated'] as const;

/** How often the EC2 fencer looks at the instances' state. */
export const DEFAULT_FENCE_POLL_MS = 2_000;
