import * as z from 'zod';
import {
  COORDINATION_KINDS,
  COORDINATION_ROLES,
  DEFAULT_CYCLE_DEADLINE_MS,
  DEFAULT_METRICS_NAMESPACE,
  DEFAULT_PROBE_TIMEOUT_MS,
  DEFAULT_SCHEDULE,
  SITE_ROLES,
} from './constants.js';

/**
 * The topology file's schema, built on first use: building it is most of the time it takes to load this module,
 * and a process that reads a topology from the CLI's cache of validated topologies never needs it. Every
 * object is strict so that a typo in a key fails loudly instead of silently falling back to a default.
 */
export const topologySchema = z.lazy(() => buildTopologySchema());

const buildTopologySchema = () => {
  // Building blocks, each built once and shared by every key it validates: a zod schema is immutable, and one
  // built per key costs start-up time (every chained call is another schema object).
  const name = z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, 'use letters, digits, "-", "_" or "." (at most 63)');
  const host = z.string().min(1, 'give a host name or IP address');
  const port = z.number().int().min(1).max(65_535);
  const optionalPort = port.optional();
  const text = z.string().min(1);
  const optionalText = text.optional();
  const positive = z.number().positive();
  const nonNegative = z.number().nonnegative();
  const count = z.number().int().nonnegative();
  const positiveInt = z.number().int().positive();
  const off = z.boolean().default(false);
  const sqlIdentifier = z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'use a plain SQL identifier (letters, digits, "_")');

  /** Where a password comes from. A plain string is accepted but flagged by the security lint. */
  const secretRefSchema = z.union([
    z.string(),
    z.strictObject({ env: text }),
    z.strictObject({ ssm: text }),
    z.strictObject({ secretsManager: text, key: optionalText }),
  ]);

  const replicaSchema = z.strictObject({
    name,
    host,
    httpPort: port.default(8123),
    tls: off,
    /** PEM bundle of the CA that signed the server's certificate, when it is not a public CA (HTTPS only). */
    caFile: optionalText,
    user: text.default('default'),
    password: secretRefSchema.optional(),
    /** EC2 instance that runs this server, for host commands over SSM. */
    instanceId: optionalText,
  });

  const coordinationNodeSchema = z
    .strictObject({
      name,
      kind: z.enum(COORDINATION_KINDS),
      host,
      clientPort: optionalPort,
      /** The client port speaks TLS (Keeper `tcp_port_secure`, ZooKeeper `secureClientPort`): 4lw goes over TLS. */
      tls: off,
      /** PEM bundle of the CA that signed the node's certificate, when `tls` is on and the CA is private. */
      caFile: optionalText,
      role: z.enum(COORDINATION_ROLES).default('participant'),
      /** `myid` (ZooKeeper) or `server_id` (Keeper): needed to render ensemble configs on failover. */
      serverId: z.number().int().min(1).max(255).optional(),
      /** ZooKeeper quorum port or Keeper raft port. */
      peerPort: optionalPort,
      /** ZooKeeper leader-election port (unused by Keeper). */
      electionPort: optionalPort,
      instanceId: optionalText,
    })
    .transform((node) => ({
      ...node,
      clientPort: node.clientPort ?? (node.kind === 'keeper' ? 9181 : 2181),
    }));

  const siteSchema = z.strictObject({
    name,
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'use an AWS region such as us-east-1'),
    role: z.enum(SITE_ROLES),
    replicas: z.array(replicaSchema).min(1, 'list at least one ClickHouse replica'),
    coordination: z.array(coordinationNodeSchema).default([]),
    /**
     * Coordination nodes installed at this site but kept stopped: not monitored, not in any ensemble until a
     * failover to this site makes them voters beside \`coordination\` (the DR guide's "start additional
     * Zookeeper servers as necessary to create a 3 node ensemble"). Same fields as \`coordination\`.
     */
    spareCoordination: z.array(coordinationNodeSchema).default([]),
  });

  const thresholdsSchema = z.strictObject({
    heartbeatLagWarnSeconds: positive.default(120),
    heartbeatLagCriticalSeconds: positive.default(300),
    replicaDelayWarnSeconds: nonNegative.default(60),
    /** Altinity's clickhouse-operator alerts at 300 s of absolute delay. */
    replicaDelayCriticalSeconds: nonNegative.default(300),
    queueSizeWarn: count.default(100),
    /** Altinity's operator alerts at more than 10 outstanding requests. */
    outstandingRequestsWarn: count.default(10),
    /** Altinity's operator alerts at an average latency above 500 ms. */
    avgLatencyWarnMs: nonNegative.default(500),
    /** Largest request latency since the node's counters were reset (`mntr` zk_max_latency); the average never moves. */
    maxLatencyWarnMs: nonNegative.default(2000),
    /** Share of the process's file descriptor limit in use (`mntr` zk_open/max_file_descriptor_count). */
    openFileDescriptorsWarnRatio: z.number().gt(0).max(1).default(0.8),
    /** Replication log entries not yet pulled into a replica's queue (`log_max_index - log_pointer`). */
    logLagWarn: count.default(100),
    /** INSERTs waiting in a replica's replication queue (`system.replicas.inserts_in_queue`). */
    insertsInQueueWarn: count.default(50),
    /** Active parts in one partition; ClickHouse delays inserts at parts_to_delay_insert (150 on 18.16). */
    partsPerPartitionWarn: positiveInt.default(100),
    /** How far a server's clock (its `now()`) may be from the agent's. */
    clockSkewWarnSeconds: positive.default(5),
    /** Cycles in which a site's heartbeat row may stay unchanged before it counts as stalled. */
    stalledCycles: z.number().int().min(1).default(2),
  });

  const commandTemplatesSchema = z.strictObject({
    stopCoordination: optionalText,
    startCoordination: optionalText,
    writeCoordinationConfig: optionalText,
    readCoordinationConfig: optionalText,
    stopClickHouse: optionalText,
    startClickHouse: optionalText,
    writeClickHouseCoordinationConfig: optionalText,
    readClickHouseCoordinationConfig: optionalText,
    /** Moves a coordination node's data aside before it rejoins as an observer (full snapshot from the leader). */
    resetCoordinationData: optionalText,
    /** Copies a node's data folders aside before a new ensemble is formed from them (kept if already there). */
    backupCoordinationData: optionalText,
    /** Undo of a new ensemble: moves the new epoch's data aside and puts the backup of this run back. */
    restoreCoordinationData: optionalText,
    /** Keeper: restarts the picked node with `--force-recovery` instead of sending it `rcvr`. */
    forceRecoveryCoordination: optionalText,
    /** Fencing: keeps a node from starting (boot guard marker, service disabled) and stops it. */
    fenceNode: optionalText,
    /** `chdr recover`: removes the boot guard marker and enables the service again. */
    unfenceNode: optionalText,
    /** Prints a file's modification time in epoch seconds (tells whether a server started after its config changed). */
    fileModifiedAt: optionalText,
    /** Moves a stopped replica's part directory (`{path}`) into its table's `detached/` folder (recovery keeps divergent parts). */
    detachClickHousePart: optionalText,
  });

  /** Config file locations; `{node}` is replaced by the node's name. Defaults: a standard systemd install. */
  const configPathsSchema = z.strictObject({
    zookeeperConfig: text.default('/etc/zookeeper/conf/zoo.cfg'),
    keeperConfig: text.default('/etc/clickhouse-keeper/keeper_config.xml'),
    clickhouseCoordinationConfig: text.default('/etc/clickhouse-server/config.d/zookeeper.xml'),
  });

  const hookSchema = z.union([
    z.strictObject({
      command: text,
      site: name.optional(),
      timeoutSeconds: positive.default(60),
    }),
    z.strictObject({ lambda: text, timeoutSeconds: positive.default(60) }),
  ]);

  const failoverSchema = z.strictObject({
    /** Refuse a failover when the target's heartbeat lag exceeds this, unless forced. */
    maxLagSeconds: positive.default(300),
    /** Anti-flapping: no failover or failback this soon after the last one, unless acknowledged. */
    blockPeriodMinutes: nonNegative.default(60),
    stepTimeoutSeconds: positive.default(120),
    executor: z
      .discriminatedUnion('kind', [
        z.strictObject({ kind: z.literal('local') }),
        z.strictObject({ kind: z.literal('ssm'), pollIntervalMs: positiveInt.default(2000) }),
      ])
      .prefault({ kind: 'ssm' }),
    commands: commandTemplatesSchema.prefault({}),
    paths: configPathsSchema.prefault({}),
    route53: z
      .strictObject({
        hostedZoneId: text,
        recordName: text,
        ttl: positiveInt.default(30),
        /** The member chdr switches when the record is a routing policy set (weighted, failover, ...). */
        setIdentifier: optionalText,
      })
      .optional(),
    hooks: z
      .strictObject({ pre: z.array(hookSchema).default([]), post: z.array(hookSchema).default([]) })
      .prefault({}),
    /**
     * Stage the site stacks were deployed with (`prod`: no suffix). When set, the CLI keeps a run's lock and
     * journal in the target site's state table (`chdr-<cluster>-<site>[-<stage>]-state`, in that site's
     * region), as the failover functions do; absent, in a local file.
     */
    stackStage: optionalText,
  });

  return z
    .strictObject({
      /** Cluster name: a metric dimension and part of page subjects. */
      cluster: name,
      sites: z.array(siteSchema).min(2, 'list two sites: one primary and one standby'),
      heartbeat: z
        .strictObject({
          database: sqlIdentifier.default('default'),
          table: sqlIdentifier.default('heart_beat'),
          /** ZooKeeper path of the replicated table; `{replica}` comes from the server's macros. */
          zooKeeperPath: z.string().startsWith('/').default('/clickhouse/tables/chdr/heart_beat'),
        })
        .prefault({}),
      thresholds: thresholdsSchema.prefault({}),
      timeouts: z
        .strictObject({
          probeMs: positiveInt.default(DEFAULT_PROBE_TIMEOUT_MS),
          cycleMs: positiveInt.default(DEFAULT_CYCLE_DEADLINE_MS),
        })
        .prefault({}),
      alerts: z
        .strictObject({
          snsTopicArn: z.string().startsWith('arn:').optional(),
          repageMinutes: positive.default(60),
          /**
           * Consecutive cycles a condition must hold before it pages: a single slow probe pages nothing.
           * Where the schedule is a minute or longer, the cycle re-probes once within the invocation
           * (`confirmSeconds` later) so that confirming costs seconds, not a period.
           */
          confirmCycles: z.number().int().min(1).max(10).default(2),
          /**
           * ...and for at least this long since first seen: a ZooKeeper/Keeper leader election leaves the
           * replicas read-only for 10-15 s (measured on the local cluster), which should not page.
           */
          confirmSeconds: z.number().int().min(0).max(600).default(20),
        })
        .prefault({}),
      metrics: z.strictObject({ namespace: text.max(255).default(DEFAULT_METRICS_NAMESPACE) }).prefault({}),
      schedule: z
        .string()
        .regex(/^(rate|cron)\(.+\)$/, 'use an EventBridge expression such as rate(1 minute)')
        .default(DEFAULT_SCHEDULE),
      failover: failoverSchema.prefault({}),
      securityLint: z
        .strictObject({
          /** Finding codes accepted for this cluster (e.g. NO_PASSWORD on a laptop cluster): reported as ok. */
          acknowledge: z
            .array(z.string().regex(/^[A-Z0-9_]+$/, 'use a finding code such as NO_PASSWORD'))
            .default([]),
        })
        .prefault({}),
    })
    .superRefine((topology, ctx) => {
      const roles = topology.sites.map((site) => site.role);
      if (roles.filter((role) => role === 'primary').length !== 1) {
        ctx.addIssue({
          code: 'custom',
          path: ['sites'],
          message: 'exactly one site must have role: primary',
        });
      }
      const seen = new Map<string, string>();
      const checkUnique = (kind: string, value: string, path: (string | number)[]) => {
        const key = `${kind}:${value}`;
        if (seen.has(key))
          ctx.addIssue({
            code: 'custom',
            path,
            message: `duplicate ${kind} "${value}" (also at ${seen.get(key)})`,
          });
        else seen.set(key, path.join('.'));
      };
      topology.sites.forEach((site, s) => {
        checkUnique('site name', site.name, ['sites', s, 'name']);
        site.replicas.forEach((replica, r) => {
          checkUnique('node name', replica.name, ['sites', s, 'replicas', r, 'name']);
          checkUnique('endpoint', `${replica.host}:${replica.httpPort}`, [
            'sites',
            s,
            'replicas',
            r,
            'httpPort',
          ]);
        });
        const listed = ['coordination', 'spareCoordination'] as const;
        for (const list of listed)
          site[list].forEach((node, n) => {
            checkUnique('node name', node.name, ['sites', s, list, n, 'name']);
            checkUnique('endpoint', `${node.host}:${node.clientPort}`, ['sites', s, list, n, 'clientPort']);
            if (node.serverId !== undefined)
              checkUnique('serverId', String(node.serverId), ['sites', s, list, n, 'serverId']);
            else if (list === 'spareCoordination')
              ctx.addIssue({
                code: 'custom',
                path: ['sites', s, list, n, 'serverId'],
                message:
                  'a spare coordination node needs its serverId (myid / server_id) to join an ensemble',
              });
            if (list === 'spareCoordination' && node.role === 'observer')
              ctx.addIssue({
                code: 'custom',
                path: ['sites', s, list, n, 'role'],
                message: 'a spare joins the new ensemble as a voter: leave role out (participant)',
              });
          });
      });
      const kinds = new Set(
        topology.sites.flatMap((site) =>
          [...site.coordination, ...site.spareCoordination].map((node) => node.kind),
        ),
      );
      if (kinds.size > 1) {
        ctx.addIssue({
          code: 'custom',
          path: ['sites'],
          message: 'all coordination nodes must be of one kind (keeper or zookeeper)',
        });
      }
      if (topology.thresholds.heartbeatLagWarnSeconds > topology.thresholds.heartbeatLagCriticalSeconds) {
        ctx.addIssue({
          code: 'custom',
          path: ['thresholds', 'heartbeatLagWarnSeconds'],
          message: 'must not be greater than heartbeatLagCriticalSeconds',
        });
      }
    });
};

export type TopologyInput = z.input<typeof topologySchema>;
