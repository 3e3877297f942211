/** The host a command runs on: a coordination node or a ClickHouse replica from the topology. */
export interface HostTarget {
  /** Node name from the topology (used in logs and errors). */
  name: string;
  host: string;
  /** EC2 instance id, required by the SSM executor. */
  instanceId?: string;
  /** AWS region of the instance (the site's region), for the SSM executor. */
  region?: string;
}

export interface HostCommand {
  target: HostTarget;
  /** Shell text, run by `bash -e -o pipefail -c` (locally, and inside AWS-RunShellScript over SSM). */
  command: string;
  timeoutMs: number;
  /** Stops waiting (and kills the local process) when aborted. */
  signal?: AbortSignal;
}

/** What a command did. A non-zero exit is a result, not an exception. */
export interface HostCommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
  /** True when the command was stopped because it ran past `timeoutMs`. */
  timedOut: boolean;
  /** True when standard output was longer than the executor keeps (SSM: 24,000 characters): `stdout` is incomplete. */
  stdoutCut?: boolean;
}

/** Runs host commands; injected so the same failover step works locally and over SSM. */
export interface HostExecutor {
  readonly kind: string;
  run(command: HostCommand): Promise<HostCommandResult>;
}
