import * as z from 'zod';
import { LOCAL_SITES, STATE_VERSION } from './constants.js';

/**
 * The shape of `<dir>/state.json`, parsed once when read. Objects are not strict: a newer writer may add
 * fields; the ones below are relied on.
 */

const port = z.number().int().min(1).max(65_535);
const path = z.string().min(1);

const nodeBase = {
  name: z.string().min(1),
  site: z.enum(LOCAL_SITES),
  host: z.string().min(1),
  /** Directory holding everything of this node: config, data, logs. */
  dir: path,
  /** The file the process is started from; failover may rewrite it before `startNode`. */
  configPath: path,
  dataDir: path,
  /** The main log; `up` shows its tail when the node does not come up. */
  logPath: path,
  /** Set while the process that `up`/`startNode` spawned runs; null once stopped. */
  pid: z.number().int().positive().nullable(),
  startedAt: z.string().nullable(),
};

export const zooKeeperNodeStateSchema = z.object({
  kind: z.literal('zookeeper'),
  ...nodeBase,
  serverId: z.number().int().min(1).max(255),
  /**
   * The role `up` configured; failover may change the config file (e.g. observer to participant). A
   * `spare` (opt-in, `up` with `spares`) is written but never started by `up`: a failover starts it.
   */
  role: z.enum(['participant', 'observer', 'spare']),
  clientPort: port,
  peerPort: port,
  electionPort: port,
  myidPath: path,
  log4jPath: path,
});

export const clickHouseNodeStateSchema = z.object({
  kind: z.literal('clickhouse'),
  ...nodeBase,
  httpPort: port,
  tcpPort: port,
  interserverPort: port,
  usersPath: path,
  /** `config.d/zookeeper.xml`: only the `<zookeeper>` section, so failover rewrites just this file. */
  zookeeperConfigPath: path,
  macrosPath: path,
  errorLogPath: path,
  /** The process's own stdout/stderr: config errors before the logger starts land here. */
  stdoutPath: path,
});

const perSite = <T extends z.ZodTypeAny>(value: T) => z.object({ primary: value, standby: value });

/** `up --netns`: where each site's servers run and the veth pair that joins the two namespaces. */
export const networkStateSchema = z.object({
  kind: z.literal('netns'),
  /** Named network namespaces; the primary's is the one `up` ran in, attached under a name. */
  namespaces: perSite(z.string().min(1)),
  /** The veth pair's ends: `primary` in the primary's namespace, `standby` in the standby's. */
  veth: perSite(z.string().min(1).max(15)),
  addresses: perSite(z.string().regex(/^\d{1,3}(\.\d{1,3}){3}$/)),
  prefixLength: z.number().int().min(8).max(30),
});

export const clusterStateSchema = z.object({
  version: z.literal(STATE_VERSION),
  dir: path,
  portBase: z.number().int().positive(),
  topologyPath: path,
  createdAt: z.string(),
  nodes: z.array(z.discriminatedUnion('kind', [zooKeeperNodeStateSchema, clickHouseNodeStateSchema])),
  /** Absent: every node on loopback in one namespace. */
  network: networkStateSchema.optional(),
});
