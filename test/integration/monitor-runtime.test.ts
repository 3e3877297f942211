import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { parse, stringify } from 'yaml';
import { Pauses, MemoryNotifier } from '../../lib/alerts/index.js';
import { loadTopology } from '../../lib/config/index.js';
import { replicaConnector } from '../../lib/cycle/index.js';
import { loadMonitorRuntime, type MonitorSummary } from '../../lib/lambda/index.js';
import { readVerdict } from '../../lib/roles/index.js';
import { DynamoStateStore, siteStateTableName } from '../../lib/state/index.js';
import {
  awsClientConfig,
  createStateTable,
  MOTO_CREDENTIALS,
  startMoto,
  useFunctionEnvironment,
  type MotoServer,
} from '../support/moto.js';

// Issue 13 acceptance: each regional monitor cold-starts with only its own site's secret in its region
// (examples/two-region.yaml's layout: the primary's password in SSM, the standby's in Secrets Manager).
const REGIONS = { primary: 'us-east-1', standby: 'us-west-2' } as const;
type SiteName = keyof typeof REGIONS;
const SITES = Object.keys(REGIONS) as SiteName[];

let moto: MotoServer;
let topologyPath: string;
const topics = new Map<SiteName, string>();

const context = (site: string) =>
  ({
    functionName: `chdr-local-${site}-monitor`,
    awsRequestId: `req-${Date.now()}`,
    getRemainingTimeInMillis: () => 30_000,
  }) as unknown as Context;
const event = {
  id: 'evt',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
} as unknown as ScheduledEvent;

const inRegion = (site: SiteName) =>
  useFunctionEnvironment(moto, REGIONS[site], {
    config: topologyPath,
    site,
    stateTable: siteStateTableName('local', site),
    topicArn: topics.get(site)!,
  });

beforeAll(async () => {
  moto = await startMoto();
  // The test cluster's topology, with each site's password where two-region.yaml keeps it, and regions to match.
  const raw = parse(readFileSync(inject('topologyPath'), 'utf8')) as {
    sites: { name: SiteName; region: string; replicas: { password?: unknown }[] }[];
  };
  for (const site of raw.sites) {
    site.region = REGIONS[site.name];
    for (const replica of site.replicas) {
      replica.password =
        site.name === 'primary' ? { ssm: '/chdr/local/primary' } : { secretsManager: 'chdr/local/standby' };
    }
  }
  topologyPath = join(mkdtempSync(join(tmpdir(), 'chdr-runtime-')), 'topology.yaml');
  writeFileSync(topologyPath, stringify(raw));

  const primary = awsClientConfig(moto.endpoint, REGIONS.primary);
  const standby = awsClientConfig(moto.endpoint, REGIONS.standby);
  await new SSMClient(primary).send(
    new PutParameterCommand({ Name: '/chdr/local/primary', Value: 'primary-pw', Type: 'SecureString' }),
  );
  await new SecretsManagerClient(standby).send(
    new CreateSecretCommand({ Name: 'chdr/local/standby', SecretString: 'standby-pw' }),
  );
  for (const site of SITES) {
    const config = awsClientConfig(moto.endpoint, REGIONS[site]);
    await createStateTable(new DynamoDBClient(config), siteStateTableName('local', site));
    const { TopicArn } = await new SNSClient(config).send(new CreateTopicCommand({ Name: `pages-${site}` }));
    topics.set(site, TopicArn!);
  }
});

afterAll(async () => {
  await moto?.stop();
});

describe('monitor runtime, one region per site (moto)', () => {
  it('in each region the other site’s secret is absent: resolving every site would fail there', async () => {
    const topology = await loadTopology(topologyPath);
    for (const site of SITES) {
      const restore = inRegion(site);
      try {
        const secrets = {
          env: process.env,
          ssm: new SSMClient({}),
          secretsManager: new SecretsManagerClient({}),
        };
        await expect(replicaConnector(topology, secrets)).rejects.toThrow();
        await expect(replicaConnector(topology, secrets, { onlySite: site })).resolves.toBeTypeOf('function');
      } finally {
        restore();
      }
    }
  });

  it('loadMonitorRuntime cold-starts in each region with only its own site’s credentials', async () => {
    for (const site of SITES) {
      const restore = inRegion(site);
      try {
        const runtime = await loadMonitorRuntime(process.env);
        const own = runtime.topology.sites.find((s) => s.name === site)!.replicas[0]!;
        const other = runtime.topology.sites.find((s) => s.name !== site)!.replicas[0]!;

        expect(runtime.siteName).toBe(site);
        expect(runtime.connect(own).endpoint).toContain(String(own.httpPort));
        expect(() => runtime.connect(other)).toThrow(/no credentials resolved/);
      } finally {
        restore();
      }
    }
  });

  it('the scheduled handler runs a cycle in each region and leaves its verdict in the other region’s table', async () => {
    for (const site of SITES) {
      const restore = inRegion(site);
      try {
        vi.resetModules();
        const { handler } = (await import('../../functions/monitor.js')) as {
          handler: (event: ScheduledEvent, context: Context) => Promise<MonitorSummary>;
        };
        const summary = await handler(event, context(site));
        expect(summary.site).toBe(site);
        expect(summary.datums).toBeGreaterThan(10);
      } finally {
        restore();
      }
    }
    for (const site of SITES) {
      const other = SITES.find((s) => s !== site)!;
      const store = new DynamoStateStore({
        client: new DynamoDBClient(awsClientConfig(moto.endpoint, REGIONS[other])),
        tableName: siteStateTableName('local', other),
      });
      expect(await readVerdict(store, 'local', site)).toMatchObject({ cluster: 'local', site });
    }
  });

  it('chdr pause --state aws writes the pause where the deployed agent of that site reads it', async () => {
    await promisify(execFile)('node', ['scripts/build-cli.mjs']);
    await promisify(execFile)(
      'node',
      [
        'bin/chdr.cjs',
        'pause',
        '--config',
        topologyPath,
        '--site',
        'standby',
        '--until',
        '1h',
        '--reason',
        'drill',
        '--state',
        'aws',
      ],
      {
        env: {
          ...process.env,
          AWS_ENDPOINT_URL: moto.endpoint,
          AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
        },
        timeout: 60_000,
      },
    );

    const store = new DynamoStateStore({
      client: new DynamoDBClient(awsClientConfig(moto.endpoint, REGIONS.standby)),
      tableName: siteStateTableName('local', 'standby'),
    });
    const pauses = new Pauses({ store, notifier: new MemoryNotifier(), cluster: 'local' });
    expect(await pauses.activePause('standby')).toMatchObject({ site: 'standby', reason: 'drill' });
  });
});
