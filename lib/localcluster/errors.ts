import { ChdrError } from '../errors/index.js';

export const LOCAL_CLUSTER_ERROR_CODES = {
  /** A binary or jar the cluster needs is not installed (run scripts/install-deps.sh). */
  missingDependency: 'LOCALCLUSTER_MISSING_DEPENDENCY',
  /** `spares` out of range (0 to 2 spare ZooKeeper servers). */
  badSpares: 'LOCALCLUSTER_BAD_SPARES',
  /** A port the cluster needs is taken by another process. */
  portInUse: 'LOCALCLUSTER_PORT_IN_USE',
  /** A server exited or did not become ready in time; the message carries its log tail. */
  startFailed: 'LOCALCLUSTER_START_FAILED',
  /** A process outlived SIGKILL. */
  stopFailed: 'LOCALCLUSTER_STOP_FAILED',
  /** No state.json in the directory, or one that cannot be parsed. */
  noState: 'LOCALCLUSTER_NO_STATE',
  /** A cluster already lives in the directory with other settings (e.g. another port base). */
  conflict: 'LOCALCLUSTER_CONFLICT',
  unknownNode: 'LOCALCLUSTER_UNKNOWN_NODE',
  unknownSite: 'LOCALCLUSTER_UNKNOWN_SITE',
  /** A ClickHouse statement the cluster helper sent failed. */
  queryFailed: 'LOCALCLUSTER_QUERY_FAILED',
  badPortBase: 'USAGE_BAD_PORT_BASE',
  /** Creating, cutting or removing the standby site's network namespace failed (root and iproute2 needed). */
  network: 'LOCALCLUSTER_NETWORK',
  /** A partition or netns command on a cluster started without `--netns`. */
  noNetns: 'LOCALCLUSTER_NO_NETNS',
  /** The standby site is cut off (`chdr cluster partition`): `up` cannot make the cluster healthy. */
  partitioned: 'LOCALCLUSTER_PARTITIONED',
  /** The node was fenced by a forced failover: only `chdr recover` lets it start again. */
  fenced: 'LOCALCLUSTER_NODE_FENCED',
} as const;
export type LocalClusterErrorCode =
  (typeof LOCAL_CLUSTER_ERROR_CODES)[keyof typeof LOCAL_CLUSTER_ERROR_CODES];

export class LocalClusterError extends ChdrError {
  constructor(code: LocalClusterErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
