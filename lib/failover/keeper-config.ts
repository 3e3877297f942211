/**
 * ClickHouse Keeper's `<raft_configuration>`: one `<server>` per member with `<id>`, `<hostname>`,
 * `<port>`; `<can_become_leader>false</can_become_leader>` makes a member a learner (our observer).
 * Failover rewrites only that element; the rest of the file is kept.
 */

export interface KeeperServer {
  id: number;
  hostname: string;
  port: number;
  /** false: a learner (does not vote, never leads). */
  canBecomeLeader: boolean;
}

const RAFT = /<raft_configuration>([\s\S]*?)<\/raft_configuration>/;
const SERVER = /<server>([\s\S]*?)<\/server>/g;
const tag = (body: string, name: string): string | undefined =>
  new RegExp(`<${name}>\\s*([^<]*?)\\s*</${name}>`).exec(body)?.[1];

export const parseKeeperServers = (xml: string): KeeperServer[] => {
  const raft = RAFT.exec(xml)?.[1];
  if (raft === undefined) return [];
  const servers: KeeperServer[] = [];
  for (const match of raft.matchAll(SERVER)) {
    const body = match[1]!;
    const id = Number(tag(body, 'id'));
    const port = Number(tag(body, 'port'));
    const hostname = tag(body, 'hostname');
    if (!Number.isInteger(id) || !Number.isInteger(port) || !hostname) continue;
    servers.push({ id, hostname, port, canBecomeLeader: tag(body, 'can_become_leader') !== 'false' });
  }
  return servers.sort((a, b) => a.id - b.id);
};

const xmlEscape = (value: string): string =>
  value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const renderServer = (server: KeeperServer, indent: string): string =>
  `${indent}<server><id>${server.id}</id><hostname>${xmlEscape(server.hostname)}</hostname><port>${server.port}</port>` +
  (server.canBecomeLeader ? '' : '<can_become_leader>false</can_become_leader>') +
  '</server>';

/** The file with a new `<raft_configuration>`; a `<secure>` setting inside it is kept. */
/** `<keeper_server><server_id>`, or undefined when the file does not set it. */
export const parseKeeperServerId = (xml: string): number | undefined => {
  const id = /<server_id>\s*(\d+)\s*<\/server_id>/.exec(xml)?.[1];
  return id === undefined ? undefined : Number(id);
};

export const renderKeeperConfig = (
  current: string,
  servers: readonly KeeperServer[],
  note: string,
): string => {
  const match = RAFT.exec(current);
  if (!match) {
    throw new Error('no <raft_configuration> element in the Keeper config');
  }
  const secure = /<secure>[^<]*<\/secure>/.exec(match[1]!)?.[0];
  const indentMatch = /\n([ \t]*)<raft_configuration>/.exec(current);
  const outer = indentMatch?.[1] ?? '    ';
  const inner = `${outer}    `;
  const body = [
    '',
    `${inner}<!-- chdr: ${note} -->`,
    ...(secure ? [`${inner}${secure}`] : []),
    ...[...servers].sort((a, b) => a.id - b.id).map((server) => renderServer(server, inner)),
    outer,
  ].join('\n');
  return current.replace(RAFT, `<raft_configuration>${body}</raft_configuration>`);
};

export const keeperHasMembership = (xml: string, servers: readonly KeeperServer[]): boolean => {
  const key = (list: readonly KeeperServer[]) =>
    [...list]
      .sort((a, b) => a.id - b.id)
      .map((s) => `${s.id}@${s.hostname}:${s.port}:${s.canBecomeLeader}`)
      .join(',');
  return key(parseKeeperServers(xml)) === key(servers);
};

/** `lgif` (Keeper ≥ 23.x): the node's Raft log position, tab-separated `key value` lines. */
export interface KeeperLogInfo {
  firstLogIdx: number;
  lastLogIdx: number;
  lastLogTerm: number;
  lastCommittedLogIdx: number;
}

export const parseLgif = (text: string): KeeperLogInfo | undefined => {
  const values: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key && value !== undefined && /^\d+$/.test(value)) values[key] = Number(value);
  }
  if (values.last_log_idx === undefined) return undefined;
  return {
    firstLogIdx: values.first_log_idx ?? 0,
    lastLogIdx: values.last_log_idx,
    lastLogTerm: values.last_log_term ?? 0,
    lastCommittedLogIdx: values.last_committed_log_idx ?? values.last_log_idx,
  };
};

export interface RecoveryCandidate {
  node: string;
  serverId: number;
  /** From `lgif` when the node answers it. */
  log?: KeeperLogInfo;
  /** From `srvr` (Keeper's zxid is a plain counter of committed entries). */
  zxid?: bigint;
}

/**
 * The Keeper docs' step 1: the node with the most up-to-date state becomes the new leader.
 * Highest (last log term, last log index) from `lgif`; without `lgif`, the highest `srvr` zxid;
 * ties go to the lowest server id so the choice is stable.
 */
export const pickRecoveryLeader = (
  candidates: readonly RecoveryCandidate[],
): RecoveryCandidate | undefined => {
  const score = (c: RecoveryCandidate): [bigint, bigint] =>
    c.log ? [BigInt(c.log.lastLogTerm), BigInt(c.log.lastLogIdx)] : [-1n, c.zxid ?? -1n];
  return [...candidates]
    .filter((c) => c.log !== undefined || c.zxid !== undefined)
    .sort((a, b) => {
      const [ta, ia] = score(a);
      const [tb, ib] = score(b);
      if (ta !== tb) return ta > tb ? -1 : 1;
      if (ia !== ib) return ia > ib ? -1 : 1;
      return a.serverId - b.serverId;
    })[0];
};

/** Whether the voting members are exactly these (learners listed beside them do not matter). */
export const keeperHasVoters = (xml: string, voters: readonly KeeperServer[]): boolean => {
  const key = (list: readonly KeeperServer[]) =>
    [...list]
      .sort((a, b) => a.id - b.id)
      .map((s) => `${s.id}@${s.hostname}:${s.port}`)
      .join(',');
  return (
    key(parseKeeperServers(xml).filter((s) => s.canBecomeLeader)) ===
    key(voters.filter((s) => s.canBecomeLeader))
  );
};
