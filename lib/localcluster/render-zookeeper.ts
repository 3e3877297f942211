import { ZOOKEEPER_TIMING } from './constants.js';
import type { ZooKeeperNodeState } from './types.js';

/** `server.N=host:quorum:election[:observer]`, the 3.8 static membership line. */
export const zooKeeperServerLine = (node: ZooKeeperNodeState): string =>
  `server.${node.serverId}=${node.host}:${node.peerPort}:${node.electionPort}${node.role === 'observer' ? ':observer' : ''}`;

/**
 * A node's zoo.cfg. Membership is static (`reconfigEnabled=false`): ZooKeeper 3.8 then leaves this file
 * alone and writes no `zoo.cfg.dynamic.*`, so failover may rewrite it and restart the node.
 * `standaloneEnabled=false` keeps a one-server ensemble (a promoted observer) in quorum mode.
 */
export const renderZooCfg = (node: ZooKeeperNodeState, ensemble: readonly ZooKeeperNodeState[]): string =>
  [
    `# ${node.name} (${node.site} site), written by chdr cluster up`,
    `tickTime=${ZOOKEEPER_TIMING.tickTime}`,
    `initLimit=${ZOOKEEPER_TIMING.initLimit}`,
    `syncLimit=${ZOOKEEPER_TIMING.syncLimit}`,
    `dataDir=${node.dataDir}`,
    `clientPortAddress=${node.host}`,
    `clientPort=${node.clientPort}`,
    'maxClientCnxns=200',
    '4lw.commands.whitelist=*',
    'admin.enableServer=false',
    'reconfigEnabled=false',
    'standaloneEnabled=false',
    // Unknown keys become zookeeper.* system properties: a 4 MB transaction log preallocation, not 64 MB.
    'preAllocSize=4096',
    `peerType=${node.role === 'observer' ? 'observer' : 'participant'}`,
    ...ensemble.map(zooKeeperServerLine),
    '',
  ].join('\n');

/** Everything to stdout at INFO: the process's stdout is the node's log file. */
export const renderLog4jProperties = (): string =>
  [
    'log4j.rootLogger=INFO, CONSOLE',
    'log4j.appender.CONSOLE=org.apache.log4j.ConsoleAppender',
    'log4j.appender.CONSOLE.layout=org.apache.log4j.PatternLayout',
    'log4j.appender.CONSOLE.layout.ConversionPattern=%d{ISO8601} - %-5p [%t:%C{1}@%L] - %m%n',
    '',
  ].join('\n');

export const renderMyid = (node: ZooKeeperNodeState): string => `${node.serverId}\n`;
