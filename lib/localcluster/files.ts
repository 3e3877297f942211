import { access, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { clickHouseNodes, startedByUp, zooKeeperNodes } from './layout.js';
import { linkSubnet } from './netns.js';
import {
  renderClickHouseConfig,
  renderClickHouseMacros,
  renderClickHouseUsers,
  renderClickHouseZooKeeperConfig,
} from './render-clickhouse.js';
import { renderLog4jProperties, renderMyid, renderZooCfg } from './render-zookeeper.js';
import type { ClusterState, NodeState } from './types.js';

/** Every file `up` writes for a node, by path. Pure: the unit tests read it. */
export const renderNodeFiles = (state: ClusterState, node: NodeState): Map<string, string> => {
  if (node.kind === 'zookeeper') {
    return new Map([
      // A spare lists only itself: started by hand it joins nothing; a failover rewrites it.
      [
        node.configPath,
        renderZooCfg(node, node.role === 'spare' ? [node] : startedByUp(zooKeeperNodes(state))),
      ],
      [node.log4jPath, renderLog4jProperties()],
      [node.myidPath, renderMyid(node)],
    ]);
  }
  // The Altinity guide: every replica, on both sites, points at the main ensemble's participants only.
  const participants = zooKeeperNodes(state).filter((zk) => zk.role === 'participant');
  return new Map([
    [node.configPath, renderClickHouseConfig(node, clickHouseNodes(state))],
    [node.usersPath, renderClickHouseUsers(state.network && linkSubnet(state.network))],
    [node.zookeeperConfigPath, renderClickHouseZooKeeperConfig(participants)],
    [node.macrosPath, renderClickHouseMacros(node)],
  ]);
};

const exists = async (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

/**
 * Creates the node's directories and writes its files. Existing files are kept: failover may have
 * rewritten a config file, and a restart must start from that.
 */
export const writeNodeFiles = async (state: ClusterState, node: NodeState): Promise<void> => {
  await Promise.all([
    mkdir(node.dataDir, { recursive: true }),
    mkdir(join(node.dir, 'logs'), { recursive: true }),
  ]);
  for (const [path, text] of renderNodeFiles(state, node)) {
    if (await exists(path)) continue;
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text);
  }
};

export const writeFileIfMissing = async (path: string, text: string): Promise<void> => {
  if (await exists(path)) return;
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
};
