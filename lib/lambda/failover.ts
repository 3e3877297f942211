import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import * as z from 'zod';
import { Pauses, SnsNotifier, type Pause } from '../alerts/index.js';
import { findSite, loadTopology, type Topology } from '../config/index.js';
import {
  createFailoverRuntime,
  FAILOVER_ERROR_CODES,
  FailoverError,
  handleFailoverEvent,
  SnsFailoverNotifier,
  type FailoverLambdaResult,
  type FailoverRuntime,
} from '../failover/index.js';
import { DynamoStateStore } from '../state/index.js';
import { parseLambdaEnv } from './env.js';

export interface FailoverFunctionRuntime {
  topology: Topology;
  failover: FailoverRuntime;
  pauses: Pauses;
}

/**
 * The failover function's dependencies. The lock, the journal and pauses live in this stack's own table,
 * in this function's region: during a region outage the surviving region's table is the one that answers,
 * and the monitor of this region reads its pauses from the same table.
 */
export const loadFailoverRuntime = async (
  env: Record<string, string | undefined>,
): Promise<FailoverFunctionRuntime> => {
  const settings = parseLambdaEnv(env);
  const topology = await loadTopology(settings.CHDR_CONFIG);
  const store = new DynamoStateStore({
    client: new DynamoDBClient({}),
    tableName: settings.CHDR_STATE_TABLE,
  });
  const sns = new SNSClient({});
  const failover = await createFailoverRuntime(topology, {
    env,
    store,
    notifier: new SnsFailoverNotifier(sns, settings.CHDR_TOPIC_ARN),
  });
  const pauses = new Pauses({
    store,
    notifier: new SnsNotifier({ client: sns, topicArn: settings.CHDR_TOPIC_ARN }),
    cluster: topology.cluster,
  });
  return { topology, failover, pauses };
};

const pauseEventSchema = z.discriminatedUnion('action', [
  z.strictObject({
    action: z.literal('pause'),
    site: z.string().min(1),
    /** ISO time the pause ends by itself. */
    until: z.string().min(1),
    reason: z.string().min(1),
    who: z.string().min(1).optional(),
  }),
  z.strictObject({ action: z.literal('resume'), site: z.string().min(1), who: z.string().min(1).optional() }),
]);

export type OperatorResult =
  | FailoverLambdaResult
  | { mode: 'paused'; message: string; pause: Pause }
  | { mode: 'resumed'; message: string };

/** `pause` / `resume` of a site's pages, or any failover action (plan, failover, recover, failback, switchover, history). */
export const handleOperatorEvent = async (
  event: unknown,
  runtime: FailoverFunctionRuntime,
  startedBy: string,
): Promise<OperatorResult> => {
  const action = (event as { action?: unknown } | null)?.action;
  if (action !== 'pause' && action !== 'resume') {
    return handleFailoverEvent(event, {
      topology: runtime.topology,
      failover: runtime.failover.deps,
      startedBy,
    });
  }
  const parsed = pauseEventSchema.safeParse(event);
  if (!parsed.success) {
    throw new FailoverError(
      FAILOVER_ERROR_CODES.badRequest,
      `bad ${action} event: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`).join('; ')}`,
    );
  }
  const request = parsed.data;
  findSite(runtime.topology, request.site);
  const who = request.who ?? startedBy;
  if (request.action === 'pause') {
    const pause = await runtime.pauses.pauseSite(request.site, request.until, request.reason, who);
    return { mode: 'paused', message: `paused ${pause.site} until ${pause.until}`, pause };
  }
  const resumed = await runtime.pauses.resumeSite(request.site, who);
  return { mode: 'resumed', message: resumed ? `resumed ${request.site}` : `${request.site} was not paused` };
};
