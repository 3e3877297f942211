/**
 * ZooKeeper's zoo.cfg with static membership (`server.N=host:quorumPort:electionPort[:role][;client]`).
 * Failover rewrites only the membership lines, `peerType` and `standaloneEnabled`; every other line is
 * kept as it was.
 */

export interface ZooKeeperServer {
  id: number;
  host: string;
  peerPort: number;
  electionPort: number;
  role: 'participant' | 'observer';
}

export interface ZooCfg {
  /** Every `key=value` line except the membership lines. */
  settings: Record<string, string>;
  servers: ZooKeeperServer[];
}

const SERVER_LINE = /^server\.(\d+)\s*=\s*([^:;\s]+):(\d+):(\d+)(?::(participant|observer))?(?:;\S*)?\s*$/;

/** Keys whose lines the rewrite replaces. */
const MEMBERSHIP_KEYS = new Set(['peerType', 'standaloneEnabled', 'dynamicConfigFile']);

export const parseZooCfg = (text: string): ZooCfg => {
  const settings: Record<string, string> = {};
  const servers: ZooKeeperServer[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const server = SERVER_LINE.exec(line);
    if (server) {
      servers.push({
        id: Number(server[1]),
        host: server[2]!,
        peerPort: Number(server[3]),
        electionPort: Number(server[4]),
        role: server[5] === 'observer' ? 'observer' : 'participant',
      });
      continue;
    }
    const eq = line.indexOf('=');
    if (eq > 0) settings[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  servers.sort((a, b) => a.id - b.id);
  return { settings, servers };
};

export const zooKeeperServerLine = (server: ZooKeeperServer): string =>
  `server.${server.id}=${server.host}:${server.peerPort}:${server.electionPort}:${server.role}`;

/**
 * The file with a new membership. `standaloneEnabled=false` keeps a one-participant ensemble (a
 * promoted observer) in quorum mode, so that observers can join it later.
 */
export const renderZooCfg = (
  current: string,
  change: { servers: readonly ZooKeeperServer[]; peerType: 'participant' | 'observer'; note: string },
): string => {
  const kept = current.split('\n').filter((raw) => {
    const line = raw.trim();
    if (SERVER_LINE.test(line) || /^server\.\d+\s*=/.test(line)) return false;
    if (line.startsWith('# chdr:')) return false;
    const eq = line.indexOf('=');
    return !(eq > 0 && !line.startsWith('#') && MEMBERSHIP_KEYS.has(line.slice(0, eq).trim()));
  });
  while (kept.length > 0 && kept[kept.length - 1]!.trim() === '') kept.pop();
  return [
    ...kept,
    `# chdr: ${change.note}`,
    'standaloneEnabled=false',
    `peerType=${change.peerType}`,
    ...[...change.servers].sort((a, b) => a.id - b.id).map(zooKeeperServerLine),
    '',
  ].join('\n');
};

const membershipKey = (servers: readonly ZooKeeperServer[]): string =>
  [...servers]
    .sort((a, b) => a.id - b.id)
    .map(zooKeeperServerLine)
    .join(',');

/** Whether a file already has this membership and peer type (comments and other keys do not matter). */
export const zooCfgHasMembership = (
  text: string,
  servers: readonly ZooKeeperServer[],
  peerType: 'participant' | 'observer',
): boolean => {
  const parsed = parseZooCfg(text);
  return (
    membershipKey(parsed.servers) === membershipKey(servers) &&
    (parsed.settings.peerType ?? 'participant') === peerType &&
    parsed.settings.standaloneEnabled === 'false'
  );
};

/**
 * Whether a file makes this node a voting member of exactly these participants (observers listed
 * beside them, e.g. after a recovery, do not matter).
 */
export const zooCfgHasVoters = (text: string, participants: readonly ZooKeeperServer[]): boolean => {
  const parsed = parseZooCfg(text);
  return (
    membershipKey(parsed.servers.filter((s) => s.role === 'participant')) === membershipKey(participants) &&
    (parsed.settings.peerType ?? 'participant') === 'participant' &&
    parsed.settings.standaloneEnabled === 'false'
  );
};
