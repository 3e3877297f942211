import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { DEBIAN_PATHS, ZOOKEEPER_JVM_FLAGS, ZOOKEEPER_MAIN } from './constants.js';
import { LocalClusterError, LOCAL_CLUSTER_ERROR_CODES } from './errors.js';
import type { SpawnSpec } from './process.js';
import type { ClickHouseNodeState, ZooKeeperNodeState } from './types.js';

/** The installed programs the cluster runs: resolved once per call of `up`/`startNode`. */
export interface Binaries {
  java: string;
  zookeeperClasspath: string;
  /** `clickhouse-server`, or `clickhouse` with the `server` subcommand. */
  clickhouse: { command: string; args: readonly string[] };
}

const HINT = 'run `bash scripts/install-deps.sh` (Debian packages zookeeper and clickhouse-server)';

const isExecutable = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

const isReadable = (path: string): boolean => {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
};

/** Like `which`, also looking in the sbin directories a non-root PATH often lacks. */
const findExecutable = (name: string): string | undefined =>
  [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/sbin']
    .filter((dir) => dir !== '')
    .map((dir) => join(dir, name))
    .find(isExecutable);

const missing = (what: string): LocalClusterError =>
  new LocalClusterError(LOCAL_CLUSTER_ERROR_CODES.missingDependency, `${what} not found; ${HINT}`);

export const resolveBinaries = (): Binaries => {
  const javaHome = process.env.JAVA_HOME;
  const java =
    javaHome && isExecutable(join(javaHome, 'bin', 'java'))
      ? join(javaHome, 'bin', 'java')
      : findExecutable('java');
  if (!java) throw missing('java');
  if (!isReadable(DEBIAN_PATHS.zookeeperJar)) throw missing(`ZooKeeper (${DEBIAN_PATHS.zookeeperJar})`);
  const loggingJars = DEBIAN_PATHS.loggingJars.filter(isReadable);
  const server = DEBIAN_PATHS.clickhouseServer.find(isExecutable) ?? findExecutable('clickhouse-server');
  const single = server ? undefined : findExecutable('clickhouse');
  if (!server && !single) throw missing('clickhouse-server');
  return {
    java,
    zookeeperClasspath: [DEBIAN_PATHS.zookeeperJar, ...loggingJars].join(delimiter),
    clickhouse: server ? { command: server, args: [] } : { command: single!, args: ['server'] },
  };
};

/** QuorumPeerMain started from the node's zoo.cfg, logging to the node's log file. */
export const zooKeeperCommand = (binaries: Binaries, node: ZooKeeperNodeState): SpawnSpec => ({
  command: binaries.java,
  args: [
    ...ZOOKEEPER_JVM_FLAGS,
    `-Dzookeeper.log.dir=${join(node.dir, 'logs')}`,
    `-Dlog4j.configuration=file:${node.log4jPath}`,
    '-cp',
    binaries.zookeeperClasspath,
    ZOOKEEPER_MAIN,
    node.configPath,
  ],
  cwd: node.dir,
  outputPath: node.logPath,
});

export const clickHouseCommand = (binaries: Binaries, node: ClickHouseNodeState): SpawnSpec => ({
  command: binaries.clickhouse.command,
  args: [...binaries.clickhouse.args, `--config-file=${node.configPath}`],
  cwd: node.dir,
  outputPath: node.stdoutPath,
});
