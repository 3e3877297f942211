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
  /** The client address after `;` (`2181` or `0.0.0.0:2181`), kept on rewrite. */
  client?: string;
  /** The node's client port from the topology: written as `;port` when the file has no `clientPort`. */
  clientPort?: number;
}

export interface ZooCfg {
  /** Every `key=value` line except the membership lines. */
  settings: Record<string, string>;
  servers: ZooKeeperServer[];
}

const SERVER_LINE = /^server\.(\d+)\s*=\s*([^:;\s]+):(\d+):(\d+)(?::(participant|observer))?(?:;(\S*))?\s*$/;

/** Keys whose lines the rewrite replaces. */
const MEMBERSHIP_KEYS = new Set(['peerType', 'standaloneEnabled']);

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
        ...(server[6] ? { client: server[6] } : {}),
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
  `server.${server.id}=${server.host}:${server.peerPort}:${server.electionPort}:${server.role}${server.client ? `;${server.client}` : ''}`;

/**
 * Why chdr must not rewrite this file's membership, or null. Membership kept in a dynamic file (or
 * rewritten by ZooKeeper itself through reconfig) would not follow a rewrite of the static lines.
 */
export const zooCfgUnsupported = (text: string): string | null => {
  const { settings } = parseZooCfg(text);
  if (settings.dynamicConfigFile)
    return (
      `membership is in dynamicConfigFile=${settings.dynamicConfigFile}, which chdr does not rewrite: ` +
      'put the server.N lines into zoo.cfg and remove dynamicConfigFile on the nodes chdr manages'
    );
  if (settings.reconfigEnabled === 'true')
    return (
      'reconfigEnabled=true: ZooKeeper then keeps membership in a dynamic file it rewrites itself, so a ' +
      'static rewrite would not hold; set reconfigEnabled=false on the nodes chdr manages'
    );
  return null;
};

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
  const parsed = parseZooCfg(current);
  // A client address is kept as the file had it; without `clientPort=` a line needs its own.
  const clientOf = (server: ZooKeeperServer): string | undefined =>
    parsed.servers.find((s) => s.id === server.id)?.client ??
    (parsed.settings.clientPort === undefined && server.clientPort !== undefined
      ? String(server.clientPort)
      : undefined);
  return [
    ...kept,
    `# chdr: ${change.note}`,
    'standaloneEnabled=false',
    `peerType=${change.peerType}`,
    ...[...change.servers]
      .sort((a, b) => a.id - b.id)
      .map((server) => {
        const client = clientOf(server);
        return zooKeeperServerLine({ ...server, ...(client ? { client } : {}) });
      }),
    '',
  ].join('\n');
};

// Client addresses do not make a membership differ.
const membershipKey = (servers: readonly ZooKeeperServer[]): string =>
  [...servers]
    .sort((a, b) => a.id - b.id)
    .map((s) => zooKeeperServerLine({ ...s, client: '' }))
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
