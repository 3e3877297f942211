import { describe, expect, it } from 'vitest';
import { ConfigError, CONFIG_ERROR_CODES, loadTopology } from '../../../lib/config/index.js';
import { parseTopologyText } from '../../../lib/config/parse.js';

const fixture = (name: string) => `test/fixtures/config/${name}`;

const problemsOf = async (name: string): Promise<string[]> => {
  const error = await loadTopology(fixture(name)).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).problems.map((problem) => `${problem.path}: ${problem.message}`);
};

describe('loadTopology', () => {
  it('loads both shipped examples with defaults filled in and frozen', async () => {
    const local = await loadTopology('examples/local.yaml');
    const reference = await loadTopology('examples/two-region.yaml');

    expect(local.sites.map((site) => site.role)).toEqual(['primary', 'standby']);
    expect(local.heartbeat).toEqual({
      database: 'default',
      table: 'heart_beat',
      zooKeeperPath: '/clickhouse/tables/chdr/heart_beat',
    });
    expect(local.sites[0]!.replicas[0]!.user).toBe('default');
    expect(reference.sites[1]!.coordination[0]).toMatchObject({
      kind: 'keeper',
      role: 'observer',
      clientPort: 9181,
    });
    expect(Object.isFrozen(local.sites[0]!.replicas)).toBe(true);
  });

  it('defaults the client port by coordination kind', () => {
    const topology = parseTopologyText(`
cluster: c
sites:
  - { name: a, region: us-east-1, role: primary, replicas: [{ name: ch1, host: h1 }], coordination: [{ name: z1, kind: zookeeper, host: z1 }] }
  - { name: b, region: us-west-2, role: standby, replicas: [{ name: ch2, host: h2 }] }
`);
    expect(topology.sites[0]!.coordination[0]!.clientPort).toBe(2181);
  });

  it('says the file is missing and how to fix it', async () => {
    const error = await loadTopology('test/fixtures/config/nope.yaml').catch((thrown: unknown) => thrown);
    expect(error).toMatchObject({ code: CONFIG_ERROR_CODES.unreadable });
    expect((error as Error).message).toContain(
      'file not found; pass an existing topology file with --config',
    );
  });

  // Each malformed file lists every problem as `path: what is wrong`, never just the first one.
  it.each([
    ['not-yaml.yaml', ['line 3: Nested mappings are not allowed in compact mappings']],
    ['duplicate-key.yaml', ['line 2: Map keys must be unique']],
    ['empty.yaml', ['(top level): ']],
    ['one-site.yaml', ['sites: list two sites: one primary and one standby']],
    ['two-primaries.yaml', ['sites: exactly one site must have role: primary']],
    ['typo-key.yaml', ['sites[0].replicas[0]: unknown key "htpPort" (check the spelling)']],
    ['bad-port.yaml', ['sites[0].replicas[0].httpPort: ', 'sites[1].replicas[0].httpPort: ']],
    ['bad-region-and-role.yaml', ['sites[0].region: use an AWS region such as us-east-1', 'sites[1].role: ']],
    [
      'duplicate-names.yaml',
      [
        'sites[0].replicas[1].name: duplicate node name "ch1" (also at sites.0.replicas.0.name)',
        'sites[1].name: duplicate site name "a"',
      ],
    ],
    ['bad-coordination.yaml', ['sites[0].coordination[0].kind: ', 'sites[0].coordination[1].role: ']],
    [
      'mixed-coordination-kinds.yaml',
      ['sites: all coordination nodes must be of one kind (keeper or zookeeper)'],
    ],
    [
      'bad-thresholds.yaml',
      [
        'thresholds.heartbeatLagWarnSeconds: must not be greater than heartbeatLagCriticalSeconds',
        'thresholds.queueSizeWarn: ',
      ],
    ],
    [
      'bad-secret-ref.yaml',
      ['sites[0].replicas[0].password: ', 'sites[1].replicas: list at least one ClickHouse replica'],
    ],
    [
      'bad-misc.yaml',
      [
        'cluster: use letters, digits',
        'sites[0].replicas[0].host: give a host name or IP address',
        'heartbeat.table: use a plain SQL identifier',
        'schedule: use an EventBridge expression such as rate(1 minute)',
        'alerts.snsTopicArn: ',
        'failover.executor.kind: ',
      ],
    ],
  ])('rejects %s naming each problem', async (file, expected) => {
    const problems = await problemsOf(file);
    for (const fragment of expected) {
      expect(
        problems.some((problem) => problem.startsWith(fragment)),
        `${fragment} in\n${problems.join('\n')}`,
      ).toBe(true);
    }
  });
});
