import type { EC2Client } from '@aws-sdk/client-ec2';
import { describeError } from '../errors/index.js';
import { DEFAULT_FENCE_POLL_MS, STOPPED_INSTANCE_STATES } from './constants.js';
import type { FenceOutcome, FenceTarget, InstanceFenceOptions, InstanceFencer } from './types.js';

type Ec2Send = Pick<EC2Client, 'send'>;

export interface Ec2InstanceFencerOptions {
  /** The EC2 client of a region (default: a new client there). Injected so tests use moto. */
  clientFor?: (region: string) => Promise<Ec2Send>;
  pollIntervalMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

const defaultClientFor = async (region: string): Promise<Ec2Send> => {
  // Lazy: only a failover that must fence an unreachable site loads the EC2 client.
  const { EC2Client } = await import('@aws-sdk/client-ec2');
  return new EC2Client({ region });
};

const isStopped = (state: string | undefined): boolean =>
  (STOPPED_INSTANCE_STATES as readonly string[]).includes(state ?? '');

/**
 * Force-stops the instances of an unreachable site through its own region's EC2 API (the control plane
 * often answers when the region's network does not), then waits until each is stopping or stopped.
 */
export class Ec2InstanceFencer implements InstanceFencer {
  readonly kind = 'ec2';
  private readonly clientFor: (region: string) => Promise<Ec2Send>;
  private readonly pollIntervalMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;

  constructor(options: Ec2InstanceFencerOptions = {}) {
    this.clientFor = options.clientFor ?? defaultClientFor;
    this.pollIntervalMs = options.pollIntervalMs ?? DEFAULT_FENCE_POLL_MS;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.now = options.now ?? Date.now;
  }

  async fence(targets: readonly FenceTarget[], options: InstanceFenceOptions): Promise<FenceOutcome[]> {
    const withoutId = targets
      .filter((t) => !t.instanceId)
      .map((t) => ({ node: t.name, confirmed: false as const, reason: 'no instanceId in the topology' }));
    const regions = [...new Set(targets.filter((t) => t.instanceId).map((t) => t.region))];
    const byRegion = await Promise.all(
      regions.map((region) =>
        this.fenceRegion(
          region,
          targets.filter((t) => t.instanceId && t.region === region),
          options,
        ),
      ),
    );
    return [...withoutId, ...byRegion.flat()];
  }

  private async fenceRegion(
    region: string,
    targets: readonly FenceTarget[],
    options: InstanceFenceOptions,
  ): Promise<FenceOutcome[]> {
    const { DescribeInstancesCommand, StopInstancesCommand } = await import('@aws-sdk/client-ec2');
    const ids = [...new Set(targets.map((t) => t.instanceId!))];
    const failAll = (reason: string): FenceOutcome[] =>
      targets.map((t) => ({ node: t.name, confirmed: false as const, reason }));
    let client: Ec2Send;
    try {
      client = await this.clientFor(region);
      await client.send(new StopInstancesCommand({ InstanceIds: ids, Force: true }));
    } catch (error) {
      return failAll(`EC2 StopInstances in ${region} failed: ${describeError(error)}`);
    }
    const deadline = this.now() + options.timeoutMs;
    let states = new Map<string, string | undefined>();
    for (;;) {
      try {
        const reply = await client.send(new DescribeInstancesCommand({ InstanceIds: ids }));
        states = new Map(
          (reply.Reservations ?? [])
            .flatMap((r) => r.Instances ?? [])
            .map((i) => [i.InstanceId ?? '', i.State?.Name]),
        );
      } catch (error) {
        if (this.now() >= deadline)
          return failAll(`EC2 DescribeInstances in ${region} failed: ${describeError(error)}`);
      }
      if (ids.every((id) => isStopped(states.get(id))) || this.now() >= deadline || options.signal?.aborted)
        break;
      await this.sleep(this.pollIntervalMs);
    }
    return targets.map((t) => {
      const state = states.get(t.instanceId!);
      return isStopped(state)
        ? {
            node: t.name,
            confirmed: true,
            detail: `EC2 ${t.instanceId} in ${region} is ${state} (force stop)`,
          }
        : {
            node: t.name,
            confirmed: false,
            reason: `EC2 ${t.instanceId} in ${region} is ${state ?? 'unknown'} after StopInstances`,
          };
    });
  }
}
