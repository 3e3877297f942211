/** A host to stop when its site is fenced and the executor cannot reach it. */
export interface FenceTarget {
  /** Node name from the topology. */
  name: string;
  /** EC2 instance id (topology `instanceId`); without one EC2 cannot stop it. */
  instanceId?: string;
  /** The node's site region: the old region's EC2 API is asked. */
  region: string;
}

/** Whether a host was confirmed stopped, and by what evidence. */
export type FenceOutcome =
  { node: string; confirmed: true; detail: string } | { node: string; confirmed: false; reason: string };

export interface InstanceFenceOptions {
  runId: string;
  /** Why, for the marker or the instance's tag (the fence's note). */
  note: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

/**
 * STONITH below the services: stops the hosts themselves. EC2 in AWS (StopInstances with Force, in the
 * old region), SIGKILL of the recorded pids on the local cluster. Chosen by the runtime, injected into
 * the failover; never throws for one host: each outcome says confirmed or why not.
 */
export interface InstanceFencer {
  readonly kind: 'ec2' | 'local-pid';
  fence(targets: readonly FenceTarget[], options: InstanceFenceOptions): Promise<FenceOutcome[]>;
}
