import type { ReplicaEndpoint } from '../config/index.js';
import {
  gradeAbove,
  worstStatus,
  type Check,
  type CheckOf,
  type CheckStatus,
  type ReplicaStatusValues,
  type ReplicaTablesValues,
} from '../health/index.js';
import type { ProbeResult } from '../probe/index.js';
import { counterDeltas, serverFindings } from './assess-server.js';
import { HINTS, plural, type Finding } from './findings.js';
import { explainFailure } from './explain.js';
import type {
  ReplicaProbe,
  ReplicaTableState,
  ReplicaThresholds,
  ReplicasStatusReport,
  ServerCounters,
} from './types.js';

type ProbeFailure = Extract<ProbeResult<unknown>, { ok: false }>;

/** One table as both views see it (the figures of its check); null where neither said. */
interface TableView extends ReplicaTablesValues {
  database: string;
  table: string;
  queueNeverLoaded: boolean;
}

const ok = <T>(result: ProbeResult<T>): T | undefined => (result.ok ? result.value : undefined);

const fromRow = (row: ReplicaTableState): TableView => ({
  database: row.database,
  table: row.table,
  readonly: row.isReadonly,
  sessionExpired: row.isSessionExpired,
  queueNeverLoaded: row.queueNeverLoaded,
  absoluteDelay: row.queueNeverLoaded ? null : row.absoluteDelay,
  queueSize: row.queueSize,
  insertsInQueue: row.insertsInQueue,
  logLag: row.logLag,
  activeReplicas: row.activeReplicas,
  totalReplicas: row.totalReplicas,
});

/** Joins both views by table: system.replicas gives the detail, /replicas_status can only add readonly or delay. */
const mergeViews = (
  rows: ReplicaTableState[] | undefined,
  status: ReplicasStatusReport | undefined,
): TableView[] => {
  const views = new Map<string, TableView>();
  for (const row of rows ?? []) views.set(`${row.database}.${row.table}`, fromRow(row));
  for (const table of status?.tables ?? []) {
    const key = `${table.database}.${table.table}`;
    const view = views.get(key);
    if (view === undefined) {
      views.set(key, {
        database: table.database,
        table: table.table,
        readonly: table.state === 'readonly',
        sessionExpired: false,
        queueNeverLoaded: false,
        absoluteDelay: table.absoluteDelay,
        queueSize: null,
        insertsInQueue: null,
        logLag: null,
        activeReplicas: null,
        totalReplicas: null,
      });
      continue;
    }
    view.readonly ||= table.state === 'readonly';
    if (!view.queueNeverLoaded && table.absoluteDelay !== null) {
      view.absoluteDelay = Math.max(view.absoluteDelay ?? 0, table.absoluteDelay);
    }
  }
  return [...views.values()];
};

const readonlyFinding = (tables: TableView[]): Finding => {
  const expired = tables.filter((table) => table.sessionExpired).length;
  const neverLoaded = tables.filter((table) => table.queueNeverLoaded).length;
  const why =
    expired === tables.length
      ? ' (ZooKeeper session expired)'
      : neverLoaded === tables.length
        ? ' (no coordination session since start)'
        : expired > 0
          ? ` (${expired} with ZooKeeper session expired)`
          : '';
  return {
    status: 'critical',
    text: `${plural(tables.length, 'table')} readonly${why}`,
    hint: expired > 0 ? HINTS.readonly : neverLoaded > 0 ? HINTS.readonlyNoSession : HINTS.readonlyOther,
  };
};

const tableName = (table: TableView): string => `${table.database}.${table.table}`;

const maxBy = (tables: TableView[], value: (table: TableView) => number | null): TableView | undefined => {
  let best: TableView | undefined;
  for (const table of tables) {
    const v = value(table);
    if (v !== null && (best === undefined || v > (value(best) ?? -1))) best = table;
  }
  return best;
};

const rank = (status: CheckStatus): number => (status === 'critical' ? 2 : status === 'warn' ? 1 : 0);

/** The problems of one table, worst first; empty when the table is fine. */
const tableFindings = (table: TableView, thresholds: ReplicaThresholds): Finding[] => {
  const findings: Finding[] = [];
  if (table.readonly) {
    findings.push({
      status: 'critical',
      text: table.sessionExpired
        ? 'readonly (ZooKeeper session expired)'
        : table.queueNeverLoaded
          ? 'readonly (no coordination session since start)'
          : 'readonly',
      hint: table.sessionExpired
        ? HINTS.readonly
        : table.queueNeverLoaded
          ? HINTS.readonlyNoSession
          : HINTS.readonlyOther,
    });
  } else if (table.sessionExpired) {
    findings.push({ status: 'critical', text: 'ZooKeeper session expired', hint: HINTS.readonly });
  }
  if (table.absoluteDelay !== null) {
    const status = gradeAbove(
      table.absoluteDelay,
      thresholds.replicaDelayWarnSeconds,
      thresholds.replicaDelayCriticalSeconds,
    );
    if (status !== 'ok')
      findings.push({ status, text: `${table.absoluteDelay} s behind`, hint: HINTS.delay });
  }
  if (table.queueSize !== null && table.queueSize >= thresholds.queueSizeWarn) {
    findings.push({ status: 'warn', text: `${table.queueSize} entries queued`, hint: HINTS.queue });
  }
  if (
    table.activeReplicas !== null &&
    table.totalReplicas !== null &&
    table.activeReplicas < table.totalReplicas &&
    !table.readonly
  ) {
    findings.push({
      status: 'warn',
      text: `${table.activeReplicas}/${table.totalReplicas} replicas active`,
      hint: HINTS.inactive,
    });
  }
  return findings.sort((a, b) => rank(b.status) - rank(a.status));
};

const summarise = (subject: string, findings: Finding[]): string => {
  const worst = findings[0]!;
  return `${subject}: ${findings.map((finding) => finding.text).join('; ')} — ${worst.hint}`;
};

const failureText = (label: string, result: ProbeResult<unknown>): Finding | undefined => {
  if (result.ok) return undefined;
  const { what, hint } = explainFailure(result);
  return { status: 'warn', text: `${label} unavailable: ${what}`, hint };
};

type StatusCheck = CheckOf<'replica-status'>;

const readonlyFromStatus = (probe: ReplicaProbe): boolean =>
  !probe.status.ok && probe.status.serverErrorType === 'TABLE_IS_READ_ONLY';

/** The server answered neither view: unreachable, or it answered with an exception that says why. */
const unreadableCheck = (
  site: string,
  name: string,
  probe: ReplicaProbe,
  base: Pick<ReplicaStatusValues, 'statusProbe' | 'tablesProbe' | 'httpStatus'>,
): StatusCheck => {
  // Prefer the explanation of a server that answered with an exception.
  const failures = [probe.tables, probe.status].filter((result): result is ProbeFailure => !result.ok);
  const facts = failures.find((failure) => failure.serverErrorType !== undefined) ?? failures[0]!;
  const { what, hint } = explainFailure(facts);
  const answered = facts.serverErrorType !== undefined;
  return {
    kind: 'replica-status',
    site,
    subject: name,
    status: 'critical',
    summary: readonlyFromStatus(probe)
      ? `${name}: tables readonly (TABLE_IS_READ_ONLY from /replicas_status) — ${HINTS.readonly}`
      : answered
        ? `${name}: cannot read replication state: ${what} — ${hint}`
        : `${name}: unreachable: ${what} — ${hint}`,
    values: {
      ...base,
      reachable: answered,
      reason: facts.reason,
      tables: null,
      readonlyTables: null,
      sessionExpiredTables: null,
      maxAbsoluteDelay: null,
      maxQueueSize: null,
      maxLogLag: null,
      maxInsertsInQueue: null,
      tablesWithInactiveReplicas: null,
      maxPartsPerPartition: null,
      clockSkewSeconds: null,
      zooKeeperSessions: null,
      zooKeeperHardwareExceptions: null,
      delayedInserts: null,
      rejectedInserts: null,
    },
  };
};

/** Readonly tables and lost sessions, from both views. */
const readonlyFindings = (tables: TableView[], probe: ReplicaProbe): Finding[] => {
  const findings: Finding[] = [];
  const readonlyTables = tables.filter((table) => table.readonly);
  if (readonlyTables.length > 0) findings.push(readonlyFinding(readonlyTables));
  const expiredOnly = tables.filter((table) => table.sessionExpired && !table.readonly);
  if (expiredOnly.length > 0) {
    findings.push({
      status: 'critical',
      text: `ZooKeeper session expired on ${plural(expiredOnly.length, 'table')}`,
      hint: HINTS.readonly,
    });
  }
  // Servers before the readonly branch (18.16 too) answer /replicas_status with a 500 TABLE_IS_READ_ONLY.
  if (readonlyFromStatus(probe) && readonlyTables.length === 0) {
    findings.push({
      status: 'critical',
      text: 'tables readonly (TABLE_IS_READ_ONLY from /replicas_status)',
      hint: HINTS.readonly,
    });
  }
  return findings;
};

/** The largest of a per-table figure at or above its warn threshold, as a finding. */
const largestAbove = (
  tables: TableView[],
  figure: (table: TableView) => number | null,
  warn: number,
  describe: (value: number, table: string) => string,
  hint: string,
): Finding[] => {
  const worst = maxBy(tables, figure);
  const value = worst === undefined ? null : figure(worst);
  return value !== null && value >= warn
    ? [{ status: 'warn', text: `${describe(value, tableName(worst!))} (warn ≥ ${warn})`, hint }]
    : [];
};

/** Delay, queue, log lag, queued inserts and inactive replicas over all tables. */
const lagFindings = (tables: TableView[], thresholds: ReplicaThresholds): Finding[] => {
  const findings: Finding[] = [];
  const slowest = maxBy(tables, (table) => table.absoluteDelay);
  const maxDelay = slowest?.absoluteDelay ?? null;
  if (slowest !== undefined && maxDelay !== null) {
    const grade = gradeAbove(
      maxDelay,
      thresholds.replicaDelayWarnSeconds,
      thresholds.replicaDelayCriticalSeconds,
    );
    if (grade !== 'ok') {
      const limit =
        grade === 'critical' ? thresholds.replicaDelayCriticalSeconds : thresholds.replicaDelayWarnSeconds;
      findings.push({
        status: grade,
        text: `replication delay ${maxDelay} s on ${tableName(slowest)} (${grade} ≥ ${limit} s)`,
        hint: HINTS.delay,
      });
    }
  }
  findings.push(
    ...largestAbove(
      tables,
      (t) => t.queueSize,
      thresholds.queueSizeWarn,
      (v, t) => `queue of ${v} entries on ${t}`,
      HINTS.queue,
    ),
    ...largestAbove(
      tables,
      (t) => t.logLag,
      thresholds.logLagWarn,
      (v, t) => `${v} log entries not yet pulled on ${t}`,
      HINTS.logLag,
    ),
    ...largestAbove(
      tables,
      (t) => t.insertsInQueue,
      thresholds.insertsInQueueWarn,
      (v, t) => `${v} inserts queued on ${t}`,
      HINTS.inserts,
    ),
  );
  const inactive = inactiveTables(tables);
  if (inactive.length > 0) {
    const sample = inactive[0]!;
    findings.push({
      status: 'warn',
      text: `${sample.activeReplicas}/${sample.totalReplicas} replicas active on ${plural(inactive.length, 'table')}`,
      hint: HINTS.inactive,
    });
  }
  return findings;
};

const inactiveTables = (tables: TableView[]): TableView[] =>
  tables.filter(
    (t) =>
      !t.readonly &&
      t.activeReplicas !== null &&
      t.totalReplicas !== null &&
      t.activeReplicas < t.totalReplicas,
  );

/** Views that could not be read, and a 503 without a table list. */
const viewFindings = (
  probe: ReplicaProbe,
  rows: ReplicaTableState[] | undefined,
  status: ReplicasStatusReport | undefined,
): Finding[] => {
  const findings: Finding[] = [];
  if (rows === undefined && status !== undefined && !status.listed && status.httpStatus === 503) {
    findings.push({
      status: 'warn',
      text: 'server reports replicas too far behind (HTTP 503)',
      hint: HINTS.delay,
    });
  }
  for (const missing of [
    failureText('system.replicas', probe.tables),
    readonlyFromStatus(probe) ? undefined : failureText('/replicas_status', probe.status),
  ]) {
    if (missing !== undefined) findings.push(missing);
  }
  return findings;
};

const tableCheck = (site: string, replica: string, table: TableView, problems: Finding[]): Check => {
  const subject = `${tableName(table)}@${replica}`;
  return {
    kind: 'replica-tables',
    site,
    subject,
    status: worstStatus(problems.map((problem) => problem.status)),
    summary: summarise(subject, problems),
    values: {
      absoluteDelay: table.absoluteDelay,
      queueSize: table.queueSize,
      insertsInQueue: table.insertsInQueue,
      logLag: table.logLag,
      activeReplicas: table.activeReplicas,
      totalReplicas: table.totalReplicas,
      readonly: table.readonly,
      sessionExpired: table.sessionExpired,
    },
  };
};

/**
 * Turns one server's probe into checks: one `replica-status` for the server, and one `replica-tables` for
 * each table that is not fine (subject `db.table@replica`). Critical: unreachable, a readonly table, an
 * expired session, rejected inserts; delay graded against the thresholds; queue, log lag, queued inserts,
 * parts per partition, clock skew, coordination sessions and ZooKeeper exceptions warn. `previousCounters`
 * are the server's `system.events` counters of the previous cycle (no counter verdict without them).
 */
export const assessReplica = (
  site: string,
  replica: Pick<ReplicaEndpoint, 'name'>,
  probe: ReplicaProbe,
  thresholds: ReplicaThresholds,
  previousCounters?: ServerCounters,
): Check[] => {
  const rows = ok(probe.tables);
  const status = ok(probe.status);
  const base = {
    statusProbe: probe.status.ok ? 'ok' : probe.status.code,
    tablesProbe: probe.tables.ok ? 'ok' : probe.tables.code,
    httpStatus: status?.httpStatus ?? null,
  };
  if (rows === undefined && status === undefined) return [unreadableCheck(site, replica.name, probe, base)];

  const tables = mergeViews(rows, status);
  const server = probe.server?.ok ? probe.server.value : undefined;
  const deltas = server === undefined ? undefined : counterDeltas(server.counters, previousCounters);
  const findings = [
    ...readonlyFindings(tables, probe),
    ...lagFindings(tables, thresholds),
    ...serverFindings(server, deltas, thresholds),
    ...viewFindings(probe, rows, status),
  ].sort((a, b) => rank(b.status) - rank(a.status));

  const maxDelay = maxBy(tables, (table) => table.absoluteDelay)?.absoluteDelay ?? null;
  const statusCheck: StatusCheck = {
    kind: 'replica-status',
    site,
    subject: replica.name,
    status: worstStatus(findings.map((finding) => finding.status)),
    summary:
      findings.length > 0
        ? summarise(replica.name, findings)
        : tables.length === 0
          ? `${replica.name}: reachable, no replicated tables`
          : `${replica.name}: ${plural(tables.length, 'replicated table')} in sync (max delay ${maxDelay ?? 0} s)`,
    values: {
      ...base,
      reachable: true,
      reason: null,
      tables: tables.length,
      readonlyTables: tables.filter((table) => table.readonly).length,
      sessionExpiredTables: tables.filter((table) => table.sessionExpired).length,
      maxAbsoluteDelay: maxDelay,
      maxQueueSize: maxBy(tables, (table) => table.queueSize)?.queueSize ?? null,
      maxLogLag: maxBy(tables, (table) => table.logLag)?.logLag ?? null,
      maxInsertsInQueue: maxBy(tables, (table) => table.insertsInQueue)?.insertsInQueue ?? null,
      tablesWithInactiveReplicas: inactiveTables(tables).length,
      maxPartsPerPartition: server?.busiestPartition?.parts ?? (server ? 0 : null),
      clockSkewSeconds: server?.clockSkewSeconds ?? null,
      zooKeeperSessions: server?.zooKeeperSessions ?? null,
      zooKeeperHardwareExceptions: deltas?.zooKeeperHardwareExceptions ?? null,
      delayedInserts: deltas?.delayedInserts ?? null,
      rejectedInserts: deltas?.rejectedInserts ?? null,
    },
  };

  const tableChecks = tables
    .map((table) => ({ table, problems: tableFindings(table, thresholds) }))
    .filter(({ problems }) => problems.length > 0)
    .map(({ table, problems }) => tableCheck(site, replica.name, table, problems));

  return [statusCheck, ...tableChecks];
};
