import { readFileSync } from 'node:fs';
import { parseTopologyText, type Topology } from '../../../lib/config/index.js';
import type { Check, CheckKind, CheckStatus } from '../../../lib/health/index.js';
import type { MetricsReport } from '../../../lib/metrics/index.js';

/** The reference topology: primary 3 Keeper participants + 2 replicas, standby 1 observer + 2 replicas. */
export const referenceTopology = (): Topology =>
  parseTopologyText(
    readFileSync(new URL('../../../examples/two-region.yaml', import.meta.url), 'utf8'),
    'two-region.yaml',
  );

export const check = (
  kind: CheckKind,
  subject: string,
  status: CheckStatus,
  values: Check['values'] = {},
  site = 'standby',
): Check => ({ kind, site, subject, status, summary: `${kind} ${subject} is ${status}`, values });

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
          leader: quorum ? 'keeper-use1-a' : null,
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
