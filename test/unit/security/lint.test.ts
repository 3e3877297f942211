import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { parseTopologyText } from '../../../lib/config/parse.js';
import { fakeConnection } from '../clickhouse/fake-connection.js';
import {
  lintKeeperNode,
  lintTopology,
  lintUsers,
  securityChecks,
  SECURITY_FINDINGS,
} from '../../../lib/security/index.js';

const conf = readFileSync('test/fixtures/keeper/conf.txt', 'utf8');

/** A Keeper that answers `conf` with the given text and closes, as the real one does. */
const keeperAnswering = (reply: string): Promise<Server> =>
  new Promise((resolve) => {
    const server = createServer((socket) => socket.once('data', () => socket.end(reply)));
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
let server: Server | undefined;
afterEach(() => server?.close());

const topology = parseTopologyText(`
cluster: c
sites:
  - name: a
    region: us-east-1
    role: primary
    replicas:
      - { name: ch1, host: h1, tls: true, password: "hunter2" }
      - { name: ch2, host: h2, tls: true, password: { ssm: /p } }
  - { name: b, region: us-west-2, role: standby, replicas: [{ name: ch3, host: h3 }] }
`);

const keeperNode = (port: number) => ({
  name: 'keeper-1',
  kind: 'keeper' as const,
  host: '127.0.0.1',
  tls: false,
  clientPort: port,
  role: 'participant' as const,
});

describe('security lint', () => {
  it('flags a password written inline, and only that replica', () => {
    const findings = lintTopology(topology.sites[0]!);
    expect(findings).toEqual([
      expect.objectContaining({ code: SECURITY_FINDINGS.inlineSecret, subject: 'ch1' }),
    ]);
    expect(findings[0]!.message).not.toContain('hunter2');
  });

  it('flags a replica without password and with plain HTTP', () => {
    const codes = lintTopology(topology.sites[1]!).map((finding) => finding.code);
    expect(codes).toEqual([SECURITY_FINDINGS.noPassword, SECURITY_FINDINGS.plainHttp]);
  });

  it('flags a Keeper allow list of * read from conf', async () => {
    server = await keeperAnswering(conf);
    const findings = await lintKeeperNode(keeperNode((server.address() as { port: number }).port), 1_000);
    expect(findings).toEqual([
      expect.objectContaining({ code: 'KEEPER_4LW_ALLOW_ALL', subject: 'keeper-1' }),
    ]);
  });

  it('flags rcvr in the default Keeper allow list', async () => {
    server = await keeperAnswering(
      conf.replace(
        'four_letter_word_allow_list=*',
        'four_letter_word_allow_list=conf,cons,ruok,srvr,mntr,isro,rcvr',
      ),
    );
    const findings = await lintKeeperNode(keeperNode((server.address() as { port: number }).port), 1_000);
    expect(findings.map((finding) => finding.code)).toEqual(['KEEPER_4LW_DANGEROUS_WORD']);
    expect(findings[0]!.message).toMatch(/rcvr/);
  });

  it('reports findings as warnings unless the topology acknowledges their code', () => {
    const checks = securityChecks('b', lintTopology(topology.sites[1]!), [SECURITY_FINDINGS.plainHttp]);
    expect(checks.map((check) => [check.subject, check.status])).toEqual([
      ['ch3:NO_PASSWORD', 'warn'],
      ['ch3:PLAIN_HTTP', 'ok'],
    ]);
  });
});

describe('users lint', () => {
  it('asks nothing of a server without system.users (its probe said so) and says why the users were not checked', async () => {
    const connection = fakeConnection({ queryRows: [] });

    const findings = await lintUsers('ch1', connection, 1_000, false);

    expect(connection.calls).toEqual([]);
    expect(findings).toEqual([
      expect.objectContaining({
        code: SECURITY_FINDINGS.usersNotCheckable,
        problem: false,
        message: expect.stringMatching(/^ch1: users not checked \(the server has no system\.users table\)/),
      }),
    ]);
  });

  it('reads system.users where it exists, or where the probe could not tell, and flags users without a password', async () => {
    const rows = [
      { name: 'default', auth_type: 'no_password', host_ip: ['::/0'] },
      { name: 'monitor', auth_type: 'sha256_password', host_ip: ['10.0.0.0/8'] },
    ];
    for (const usersTable of [true, null]) {
      const connection = fakeConnection({ queryRows: rows });

      const findings = await lintUsers('ch1', connection, 1_000, usersTable);

      expect(connection.calls.map((call) => call.sql)).toEqual([
        'SELECT name, toString(auth_type) AS auth_type, host_ip FROM system.users',
      ]);
      expect(findings.map((f) => f.code)).toEqual([
        SECURITY_FINDINGS.userWithoutPassword,
        SECURITY_FINDINGS.userFromAnyHost,
      ]);
    }
  });
});
