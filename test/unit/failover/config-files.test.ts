import { describe, expect, it } from 'vitest';
import {
  clickHouseHasCoordination,
  parseClickHouseCoordination,
  renderClickHouseCoordination,
} from '../../../lib/failover/clickhouse-config.js';
import {
  parseZooCfg,
  renderZooCfg,
  zooCfgHasMembership,
  zooCfgHasVoters,
  zooCfgUnsupported,
} from '../../../lib/failover/zookeeper-config.js';
import { renderTemplate, shellQuote } from '../../../lib/failover/templates.js';
import { planCluster } from '../../../lib/localcluster/index.js';
import { renderClickHouseZooKeeperConfig } from '../../../lib/localcluster/render-clickhouse.js';
import { renderZooCfg as renderLocalZooCfg } from '../../../lib/localcluster/render-zookeeper.js';

const state = planCluster('/tmp/chdr-cfg', 18_000);
const zk = state.nodes.filter((n) => n.kind === 'zookeeper');
const zk4Cfg = renderLocalZooCfg(zk[3]!, zk);

describe('zoo.cfg', () => {
  it('parses the static membership of the local cluster, observer included', () => {
    const parsed = parseZooCfg(zk4Cfg);

    expect(parsed.servers.map((s) => `${s.id}:${s.role}`)).toEqual([
      '1:participant',
      '2:participant',
      '3:participant',
      '4:observer',
    ]);
    expect(parsed.settings).toMatchObject({
      peerType: 'observer',
      reconfigEnabled: 'false',
      clientPort: '21814',
    });
  });

  it('accepts the 3.5+ client address suffix on server lines', () => {
    const parsed = parseZooCfg(
      'server.1=zk-a:2888:3888:participant;0.0.0.0:2181\nserver.2=zk-b:2888:3888;2181\n',
    );
    expect(parsed.servers.map((s) => `${s.id}@${s.host}:${s.role}`)).toEqual([
      '1@zk-a:participant',
      '2@zk-b:participant',
    ]);
  });

  it('promotes the observer: new membership, participant, standaloneEnabled=false, other lines kept', () => {
    const servers = [
      { id: 4, host: '127.0.0.1', peerPort: 22884, electionPort: 23884, role: 'participant' as const },
    ];

    const out = renderZooCfg(zk4Cfg, { servers, peerType: 'participant', note: 'run r1' });

    expect(out).toContain('server.4=127.0.0.1:22884:23884:participant');
    expect(out).not.toMatch(/server\.[123]=/);
    expect(out.match(/^peerType=/gm)).toHaveLength(1);
    expect(out.match(/^standaloneEnabled=false$/gm)).toHaveLength(1);
    for (const line of [
      'tickTime=500',
      `dataDir=${zk[3]!.dataDir}`,
      '4lw.commands.whitelist=*',
      'preAllocSize=4096',
    ])
      expect(out).toContain(line);
    expect(zooCfgHasMembership(out, servers, 'participant')).toBe(true);
    expect(zooCfgHasMembership(zk4Cfg, servers, 'participant')).toBe(false);
  });

  it('renders the same file when rendered twice (no drift on resume)', () => {
    const servers = [
      { id: 4, host: '127.0.0.1', peerPort: 22884, electionPort: 23884, role: 'participant' as const },
    ];
    const once = renderZooCfg(zk4Cfg, { servers, peerType: 'participant', note: 'run r1' });
    expect(renderZooCfg(once, { servers, peerType: 'participant', note: 'run r1' })).toBe(once);
  });

  it('counts only voters for the new-ensemble check: observers added by a recovery do not undo it', () => {
    const voters = [
      { id: 4, host: '127.0.0.1', peerPort: 22884, electionPort: 23884, role: 'participant' as const },
    ];
    const withObservers = renderZooCfg(zk4Cfg, {
      servers: [
        ...voters,
        { id: 1, host: '127.0.0.1', peerPort: 22881, electionPort: 23881, role: 'observer' },
      ],
      peerType: 'participant',
      note: 'x',
    });
    expect(zooCfgHasVoters(withObservers, voters)).toBe(true);
    expect(zooCfgHasVoters(zk4Cfg, voters)).toBe(false);
  });
});

describe('zoo.cfg forms chdr must keep or refuse', () => {
  const voters = [
    { id: 1, host: 'a', peerPort: 2888, electionPort: 3888, role: 'participant' as const, clientPort: 2181 },
    { id: 2, host: 'b', peerPort: 2888, electionPort: 3888, role: 'participant' as const, clientPort: 2181 },
  ];

  it('keeps the ;client suffix of each server line on rewrite', () => {
    const text = 'dataDir=/d\nserver.1=a:2888:3888:participant;0.0.0.0:2181\nserver.2=b:2888:3888;2182\n';

    const out = renderZooCfg(text, { servers: voters, peerType: 'participant', note: 'x' });

    expect(out).toContain('server.1=a:2888:3888:participant;0.0.0.0:2181');
    expect(out).toContain('server.2=b:2888:3888:participant;2182');
    expect(zooCfgHasVoters(out, voters)).toBe(true);
  });

  it('gives a line its client port from the topology when the file has no clientPort setting', () => {
    const out = renderZooCfg('dataDir=/d\nserver.1=a:2888:3888;2181\n', {
      servers: voters,
      peerType: 'participant',
      note: 'x',
    });

    expect(out).toContain('server.2=b:2888:3888:participant;2181');
  });

  it('refuses dynamicConfigFile and reconfigEnabled=true, naming the fix', () => {
    expect(zooCfgUnsupported('dataDir=/d\ndynamicConfigFile=/etc/zk/zoo.cfg.dynamic\n')).toMatch(
      /dynamicConfigFile=\/etc\/zk\/zoo.cfg.dynamic.*remove dynamicConfigFile/,
    );
    expect(zooCfgUnsupported('reconfigEnabled=true\nserver.1=a:2888:3888\n')).toMatch(
      /set reconfigEnabled=false/,
    );
    expect(zooCfgUnsupported('reconfigEnabled=false\nserver.1=a:2888:3888\n')).toBeNull();
  });
});

describe('ClickHouse <zookeeper> section', () => {
  const current = renderClickHouseZooKeeperConfig(zk.slice(0, 3));

  it('parses the nodes of config.d/zookeeper.xml', () => {
    expect(parseClickHouseCoordination(current)).toEqual([
      { host: '127.0.0.1', port: 21811 },
      { host: '127.0.0.1', port: 21812 },
      { host: '127.0.0.1', port: 21813 },
    ]);
  });

  it('replaces only the nodes, keeping the session settings and the root element', () => {
    const out = renderClickHouseCoordination(current, [{ host: '127.0.0.1', port: 21814 }], 'run r1');

    expect(parseClickHouseCoordination(out)).toEqual([{ host: '127.0.0.1', port: 21814 }]);
    expect(out).toContain('<session_timeout_ms>10000</session_timeout_ms>');
    expect(out).toContain('<operation_timeout_ms>5000</operation_timeout_ms>');
    expect(out.startsWith('<?xml version="1.0"?>\n<yandex>')).toBe(true);
    expect(clickHouseHasCoordination(out, [{ host: '127.0.0.1', port: 21814 }])).toBe(true);
    expect(renderClickHouseCoordination(out, [{ host: '127.0.0.1', port: 21814 }], 'run r1')).toBe(out);
  });

  it('writes a whole file when there is none', () => {
    const out = renderClickHouseCoordination(null, [{ host: 'zk-a', port: 2181 }], 'new');
    expect(parseClickHouseCoordination(out)).toEqual([{ host: 'zk-a', port: 2181 }]);
  });
});

describe('command templates', () => {
  it('quotes substituted values for bash unless plainly safe, and leaves unknown placeholders', () => {
    expect(renderTemplate('cat {path} {other}', { path: '/etc/zoo.cfg' })).toBe('cat /etc/zoo.cfg {other}');
    expect(renderTemplate('cat {path}', { path: "/my dir/it's" })).toBe(`cat '/my dir/it'\\''s'`);
    expect(shellQuote('a;rm -rf /')).toBe("'a;rm -rf /'");
  });
});
