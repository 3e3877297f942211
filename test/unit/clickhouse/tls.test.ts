import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createClickHouseConnection,
  explainFailure,
  type ClickHouseRequestError,
} from '../../../lib/clickhouse/index.js';

const tlsFile = (name: string): string => fileURLToPath(new URL(`../../tls-certs/${name}`, import.meta.url));

/** An HTTPS server with a certificate from the private test CA, answering /replicas_status like ClickHouse. */
const httpsReplica = (): Promise<Server> =>
  new Promise((resolve) => {
    const server = createServer(
      { cert: readFileSync(tlsFile('server.pem')), key: readFileSync(tlsFile('server.key')) },
      (request, response) => response.end(request.url?.startsWith('/replicas_status') ? 'Ok.\n' : ''),
    );
    server.listen(0, '127.0.0.1', () => resolve(server));
  });

let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

const connect = (port: number, caFile?: string) =>
  createClickHouseConnection(
    { host: '127.0.0.1', httpPort: port, tls: true, user: 'chdr', ...(caFile ? { caFile } : {}) },
    undefined,
    { requestTimeoutMs: 2_000, keepAlive: false },
  );

const failureOf = async (work: Promise<unknown>) => {
  const error = (await work.then(
    () => undefined,
    (caught: unknown) => caught,
  )) as ClickHouseRequestError | undefined;
  return error?.failure;
};

describe('HTTPS replicas with a private CA', () => {
  it('trusts the CA bundle named by caFile', async () => {
    server = await httpsReplica();
    const connection = connect((server.address() as AddressInfo).port, tlsFile('ca.pem'));

    const reply = await connection.replicasStatus({ verbose: false, timeoutMs: 2_000 });

    expect(reply).toEqual({ httpStatus: 200, body: 'Ok.\n' });
    await connection.close();
  });

  it('says TLS/CA, not "check DNS and security groups", when the certificate is not trusted', async () => {
    server = await httpsReplica();
    const connection = connect((server.address() as AddressInfo).port);

    const failure = await failureOf(connection.replicasStatus({ verbose: false, timeoutMs: 2_000 }));

    expect(failure).toBe('TLS_ERROR');
    expect(explainFailure({ code: failure! }).hint).toContain('set caFile');
    await connection.close();
  });

  it('names a caFile that cannot be read on every request instead of throwing at creation', async () => {
    const connection = connect(1, '/nonexistent/ca.pem');

    const error = (await connection
      .queryRows('SELECT 1', { timeoutMs: 500 })
      .catch((e: unknown) => e)) as Error;

    expect(error.message).toContain('caFile /nonexistent/ca.pem cannot be read');
    await connection.close();
  });
});
