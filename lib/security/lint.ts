import { quoteString, type ClickHouseConnection } from '../clickhouse/index.js';
import type { CoordinationNode, Site, Topology } from '../config/index.js';
import { describeError } from '../errors/index.js';
import type { Check } from '../health/index.js';
import { allowListFindings, sendWord, type SendWord } from '../keeper/index.js';
import { SECURITY_FINDINGS } from './constants.js';

export type SecurityFindingCode = (typeof SECURITY_FINDINGS)[keyof typeof SECURITY_FINDINGS];

export interface Finding {
  code: SecurityFindingCode;
  subject: string;
  /** What is wrong and the fix, one line. */
  message: string;
  /** False when the finding says what could not be checked rather than what is wrong. */
  problem?: boolean;
}

/** Findings from the topology file alone. */
export const lintTopology = (site: Site): Finding[] =>
  site.replicas.flatMap((replica): Finding[] => {
    const findings: Finding[] = [];
    if (typeof replica.password === 'string') {
      findings.push({
        code: SECURITY_FINDINGS.inlineSecret,
        subject: replica.name,
        message: `${replica.name}: password written inline in the config file — use { ssm: … }, { secretsManager: … } or { env: … }`,
      });
    }
    if (replica.password === undefined) {
      findings.push({
        code: SECURITY_FINDINGS.noPassword,
        subject: replica.name,
        message: `${replica.name}: user ${replica.user} has no password configured — give the monitoring user a password`,
      });
    }
    if (!replica.tls) {
      findings.push({
        code: SECURITY_FINDINGS.plainHttp,
        subject: replica.name,
        message: `${replica.name}: plain HTTP on port ${replica.httpPort} — enable https_port and set tls: true`,
      });
    }
    return findings;
  });

/**
 * Coordination nodes of another site answered 4lw over plain TCP on their client port: replicas of this
 * site reach them the same way, across regions, in clear text.
 */
export const lintCrossRegionCoordination = (
  topology: Topology,
  site: Site,
  reachable: readonly CoordinationNode[],
): Finding[] =>
  topology.sites
    .filter((other) => other.name !== site.name && other.region !== site.region)
    .flatMap((other) =>
      other.coordination.filter((node) => !node.tls && reachable.some((r) => r.name === node.name)),
    )
    .map((node) => ({
      code: SECURITY_FINDINGS.plainCoordinationAcrossRegions,
      subject: node.name,
      message:
        `${node.name}: client port ${node.clientPort} answers plain TCP from ${site.region} — ` +
        (node.kind === 'keeper' ? 'enable tcp_port_secure' : 'enable secureClientPort') +
        ' and <secure>1</secure> in ClickHouse’s <zookeeper> nodes, then set tls: true on the node',
    }));

/** Keeper's `conf`: an allow list of `*` or one naming `rcvr` lets anyone on the client port force recovery. */
export const lintKeeperNode = async (
  node: CoordinationNode,
  timeoutMs: number,
  send: SendWord = sendWord,
): Promise<Finding[]> => {
  if (node.kind !== 'keeper') return [];
  const reply = await send(node, 'conf', timeoutMs);
  if (!reply.ok) return [];
  return allowListFindings(reply.value).map((finding) => ({
    code: finding.code as SecurityFindingCode,
    subject: node.name,
    message: `${node.name}: ${finding.message}`,
  }));
};

interface UserRow {
  name: string;
  auth_type: string;
  host_ip: string[];
}

const usersNotCheckable = (replica: string, why: string): Finding => ({
  code: SECURITY_FINDINGS.usersNotCheckable,
  subject: replica,
  problem: false,
  message: `${replica}: users not checked (${why}); system.users needs ClickHouse 20.4+ and SHOW USERS`,
});

/**
 * Users without a password or reachable from any host (`system.users`, ClickHouse 20.4 and later).
 * `usersTable` is what the server probe saw: false asks nothing (the query of a missing table would cost
 * the server an exception in its error log every cycle), unknown asks anyway.
 */
export const lintUsers = async (
  replica: string,
  connection: ClickHouseConnection,
  timeoutMs: number,
  usersTable: boolean | null = null,
): Promise<Finding[]> => {
  if (usersTable === false) return [usersNotCheckable(replica, 'the server has no system.users table')];
  let rows: UserRow[];
  try {
    rows = await connection.queryRows<UserRow>(
      'SELECT name, toString(auth_type) AS auth_type, host_ip FROM system.users',
      { timeoutMs },
    );
  } catch (error) {
    return [usersNotCheckable(replica, describeError(error).slice(0, 120))];
  }
  return rows.flatMap((row): Finding[] => [
    ...(row.auth_type === 'no_password'
      ? [
          {
            code: SECURITY_FINDINGS.userWithoutPassword,
            subject: `${row.name}@${replica}`,
            message: `${replica}: user ${quoteString(row.name)} has no password — set one or drop the user`,
          },
        ]
      : []),
    ...(row.host_ip.includes('::/0')
      ? [
          {
            code: SECURITY_FINDINGS.userFromAnyHost,
            subject: `${row.name}@${replica}`,
            message: `${replica}: user ${quoteString(row.name)} may connect from any host — restrict <networks>/HOST`,
          },
        ]
      : []),
  ]);
};

/** Findings as `security` checks: warnings, or ok when the topology acknowledges the code or nothing is wrong. */
export const securityChecks = (
  site: string,
  findings: readonly Finding[],
  acknowledged: readonly string[],
): Check[] =>
  findings.map((finding) => {
    const isAcknowledged = acknowledged.includes(finding.code);
    return {
      kind: 'security',
      site,
      subject: `${finding.subject}:${finding.code}`,
      status: finding.problem === false || isAcknowledged ? 'ok' : 'warn',
      summary: isAcknowledged
        ? `${finding.message} (acknowledged in securityLint.acknowledge)`
        : finding.message,
      values: { code: finding.code, acknowledged: isAcknowledged },
    };
  });
