import { readFileSync } from 'node:fs';
import { type Topology } from '../../../lib/config/index.js';
import { parseTopologyText } from '../../../lib/config/parse.js';
import type { Check, CheckKind, CheckOf, CheckStatus, CheckValuesByKind } from '../../../lib/health/index.js';
import type { MetricsReport } from '../../../lib/metrics/index.js';

/** The reference topology: primary 3 Keeper participants + 2 replicas, standby 1 observer + 2 replicas. */
export const referenceTopology = (): Topology =>
  parseTopologyText(
    readFileSync(new URL('../../../examples/two-region.yaml', import.meta.url), 'utf8'),
    'two-region.yaml',
  );

/** Values of each kind as an unremarkable probe would measure them; tests override what they assert on. */
const DEFAULT_VALUES: { [K in CheckKind]: CheckValuesByKind[K] } = {
  'heartbeat-write': { outcome: 'ok', elapsedMs: 5, writtenAt: null, createdTable: false, reason: null },
  'heartbeat-lag': {
    outcome: 'ok',
    lagSeconds: 1,
    unchangedCycles: 0,
    lastUpdatedAt: null,
    serverNow: null,
    method: 'server clock',
  },
  'coordination-node': {
    role: 'follower',
    expectedRole: 'participant',
    inactive: false,
    zxid: null,
    outstanding: 0,
    avgLatencyMs: 1,
    maxLatencyMs: 5,
    openFileDescriptors: 100,
    maxFileDescriptors: 65536,
    znodeCount: 100,
    aliveConnections: 1,
    elapsedMs: 3,
  },
  'coordination-ensemble': {
    leaders: [],
    participantsUp: 0,
    participantsTotal: 0,
    participantsUnknown: 0,
    observersUp: 0,
    observersTotal: 0,
    syncedFollowers: null,
    syncedObservers: null,
    quorum: true,
  },
  'replica-status': {
    statusProbe: 'ok',
    tablesProbe: 'ok',
    httpStatus: 200,
    reachable: true,
    reason: null,
    tables: 1,
    readonlyTables: 0,
    sessionExpiredTables: 0,
    maxAbsoluteDelay: 0,
    maxQueueSize: 0,
    maxLogLag: 0,
    maxInsertsInQueue: 0,
    tablesWithInactiveReplicas: 0,
    maxPartsPerPartition: 3,
    clockSkewSeconds: 0,
    zooKeeperSessions: 1,
    zooKeeperHardwareExceptions: 0,
    delayedInserts: 0,
    rejectedInserts: 0,
  },
  'replica-tables': {
    absoluteDelay: null,
    queueSize: null,
    insertsInQueue: null,
    logLag: null,
    activeReplicas: null,
    totalReplicas: null,
    readonly: false,
    sessionExpired: false,
  },
  security: { code: 'PLAIN_HTTP', acknowledged: false },
  'site-roles': {
    primary: 'primary',
    deployedPrimary: 'primary',
    runId: null,
    operation: null,
    since: '1970-01-01T00:00:00.000Z',
    voters: 'keeper-use1-a,keeper-use1-b,keeper-use1-c',
  },
};

export const check = <K extends CheckKind>(
  kind: K,
  subject: string,
  status: CheckStatus,
  values: Partial<CheckValuesByKind[K]> = {},
  site = 'standby',
): CheckOf<K> =>
  ({
    kind,
    site,
    subject,
    status,
    summary: `${kind} ${subject} is ${status}`,
    values: { ...DEFAULT_VALUES[kind], ...values },
  }) as CheckOf<K>;

export interface ReportOptions {
  site?: string;
  lagSeconds?: number | null;
  quorum?: boolean;
  readonlyTables?: number;
  delaySeconds?: number;
  heartbeatWriteOk?: boolean;
  startedAt?: string;
}

/**
 * A report as the standby's cycle makes it for the reference topology: lag from the primary, the whole
 * ensemble (3 participants at the primary, 1 observer here) and this site's two replicas.
 */
export const standbyReport = (
  options: ReportOptions = {},
): MetricsReport & { region: string; status: CheckStatus } => {
  const site = options.site ?? 'standby';
  const source = site === 'standby' ? 'primary' : 'standby';
  const lag = options.lagSeconds === undefined ? 3 : options.lagSeconds;
  const quorum = options.quorum ?? true;
  const readonly = options.readonlyTables ?? 0;
  const delay = options.delaySeconds ?? 0;
  const nodes = [
    ['keeper-use1-a', quorum ? 'leader' : 'unreachable'],
    ['keeper-use1-b', quorum ? 'follower' : 'unreachable'],
    ['keeper-use1-c', 'follower'],
    ['keeper-usw2-a', quorum ? 'observer' : 'not-serving'],
  ] as const;
  const checks: Check[] = [
    check('heartbeat-write', site, options.heartbeatWriteOk === false ? 'critical' : 'ok', {}, site),
    check(
      'heartbeat-lag',
      source,
      lag !== null && lag >= 300 ? 'critical' : 'ok',
      { lagSeconds: lag, unchangedCycles: 0 },
      site,
    ),
    ...nodes.map(([name, role], i) =>
      check(
        'coordination-node',
        name,
        role === 'unreachable' || role === 'not-serving' ? 'critical' : 'ok',
        {
          role,
          outstanding: i,
          avgLatencyMs: 2 + i,
          znodeCount: 1000 + i,
        },
        site,
      ),
    ),
    // The ensemble verdicts carry the same values on both checks, as lib/keeper's do.
    ...(['leader', 'quorum'] as const).map((subject) =>
      check(
        'coordination-ensemble',
        subject,
        quorum ? 'ok' : 'critical',
        {
          leaders: quorum ? ['keeper-use1-a'] : [],
          participantsUp: quorum ? 3 : 1,
          participantsTotal: 3,
          quorum,
        },
        site,
      ),
    ),
    check(
      'replica-status',
      'ch-usw2-a',
      readonly > 0 || delay > 300 ? 'critical' : 'ok',
      {
        reachable: true,
        readonlyTables: readonly,
        maxAbsoluteDelay: delay,
        maxQueueSize: 4,
        sessionExpiredTables: 0,
      },
      site,
    ),
    check(
      'replica-status',
      'ch-usw2-b',
      'ok',
      { reachable: true, readonlyTables: 0, maxAbsoluteDelay: 1, maxQueueSize: 2, sessionExpiredTables: 0 },
      site,
    ),
    check(
      'replica-tables',
      'default.events',
      delay > 300 ? 'critical' : 'ok',
      { absoluteDelay: delay },
      site,
    ),
  ];
  return {
    cluster: 'analytics',
    site,
    region: site === 'standby' ? 'us-west-2' : 'us-east-1',
    startedAt: options.startedAt ?? '2025-11-23T02:51:00.000Z',
    durationMs: 1800,
    status: checks.some((c) => c.status === 'critical') ? 'critical' : 'ok',
    checks,
  };
};
