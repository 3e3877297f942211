import type { Topology } from '../config/index.js';
import type { HealthReport } from '../cycle/index.js';
import { worstStatus, type Check, type CheckKind } from '../health/index.js';
import { statusLabel } from './table.js';

const branch = (lines: string[], last: boolean): string[] =>
  lines.map((line, i) => (i === 0 ? (last ? '└─ ' : '├─ ') : last ? '   ' : '│  ') + line);

const children = (items: string[][]): string[] =>
  items.flatMap((item, i) => branch(item, i === items.length - 1));

const figure = (value: unknown, suffix = ''): string =>
  value === null || value === undefined ? '?' : `${String(value)}${suffix}`;

/**
 * `chdr status`: the topology as a tree — sites, coordination nodes with role and zxid, replicas with
 * heartbeat lag, readonly tables and queue — from one report per site.
 */
export const renderStatusTree = (topology: Topology, reports: readonly HealthReport[]): string => {
  const checks = reports.flatMap((report) => report.checks);
  const find = <K extends CheckKind>(kind: K, site: string, subject: string) =>
    checks.find(
      (check): check is Extract<Check, { kind: K }> =>
        check.kind === kind && check.site === site && check.subject === subject,
    );
  const overall = worstStatus(reports.map((report) => report.status));

  const sites = topology.sites.map((site) => {
    const report = reports.find((candidate) => candidate.site === site.name);
    const nodes = site.coordination.map((node) => {
      const check = find('coordination-node', site.name, node.name);
      const role = check?.values.role ?? 'not probed';
      // The live roles decide what a node should be now (after a failover the standby's node votes).
      const expected = check?.values.inactive
        ? 'down: site fenced or lost'
        : (check?.values.expectedRole ?? node.role);
      return [
        `${statusLabel(check?.status ?? 'critical').padEnd(4)} ${node.name}  ${node.kind} ${role} (expected ${expected})  zxid ${figure(check?.values.zxid)}`,
      ];
    });
    const lags = checks.filter(
      (check): check is Extract<Check, { kind: 'heartbeat-lag' }> =>
        check.kind === 'heartbeat-lag' && check.site === site.name,
    );
    const replicas = site.replicas.map((replica) => {
      const check = find('replica-status', site.name, replica.name);
      const v = check?.values;
      const detail = !v?.reachable
        ? (check?.summary ?? 'not probed')
        : `readonly ${figure(v.readonlyTables)}  queue ${figure(v.maxQueueSize)}  delay ${figure(v.maxAbsoluteDelay, ' s')}`;
      return [`${statusLabel(check?.status ?? 'critical').padEnd(4)} ${replica.name}  ${detail}`];
    });
    const heartbeat = lags.map((check) => [
      `${statusLabel(check.status).padEnd(4)} heartbeat from ${check.subject}: ${check.values.lagSeconds === null ? check.summary : `${check.values.lagSeconds} s behind`}`,
    ]);
    const header = `${site.name} (${site.role}, ${site.region})${report ? `  ${statusLabel(report.status)}` : ''}`;
    return [
      header,
      ...children([
        ['coordination', ...children(nodes)],
        ['replicas', ...children(replicas)],
        ...(heartbeat.length ? [['heartbeat', ...children(heartbeat)]] : []),
      ]),
    ];
  });
  // Every site reports the ensemble; the topology's primary first, else any site that reported (its region
  // may be gone).
  const ensembleSite = [
    topology.sites.find((s) => s.role === 'primary')?.name,
    ...reports.map((r) => r.site),
  ].find((name) => checks.some((check) => check.kind === 'coordination-ensemble' && check.site === name));
  const ensemble = checks.filter(
    (check) => check.kind === 'coordination-ensemble' && check.site === ensembleSite,
  );
  const ensembleLines = ensemble.map((check) => [`${statusLabel(check.status).padEnd(4)} ${check.summary}`]);
  return [
    `${topology.cluster}  ${statusLabel(overall)}`,
    ...children([...sites, ...(ensembleLines.length ? [['ensemble', ...children(ensembleLines)]] : [])]),
  ].join('\n');
};
