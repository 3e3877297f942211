import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import * as z from 'zod';
import { Pauses, SnsNotifier, type Pause } from '../alerts/index.js';
import { findSite, loadTopology, type Topology } from '../config/index.js';
import {
  createFailoverRuntime,
  FAILOVER_ERROR_CODES,
  FailoverError,
  handleFailoverEvent,
  SnsFailoverNotifier,
  type FailoverInvocation,
  type FailoverLambdaEvent,
  type FailoverLambdaResult,
  type FailoverRuntime,
} from '../failover/index.js';
import { DynamoStateStore, peerStateTableName, type StateStore } from '../state/index.js';
import { parseLambdaEnv } from './env.js';

export interface FailoverFunctionRuntime {
  topology: Topology;
  failover: FailoverRuntime;
  pauses: Pauses;
}

/**
 * Every site's state table as this function reaches it: its own (this region), the others derived from
 * its name in their own regions. A run's lock and journal live in the target site's table (one authority
 * per run, whichever region starts it); the roles are written to every site's.
 */
const siteStores = (
  Client: typeof DynamoDBClient,
  topology: Topology,
  ownSite: string,
  ownTable: string,
  own: StateStore,
): ((site: string) => StateStore) => {
  const stores = new Map<string, StateStore>([[ownSite, own]]);
  return (name) => {
    let store = stores.get(name);
    if (!store) {
      const site = findSite(topology, name);
      const tableName = peerStateTableName(ownTable, topology.cluster, ownSite, site.name);
      if (!tableName) {
        throw new FailoverError(
          FAILOVER_ERROR_CODES.badRequest,
          `CHDR_STATE_TABLE ${ownTable} is not named like the stacks' tables (chdr-<cluster>-<site>[-<stage>]-state): ` +
            `cannot find ${site.name}'s table`,
        );
      }
      store = new DynamoStateStore({ client: new Client({ region: site.region }), tableName });
      stores.set(name, store);
    }
    return store;
  };
};

/**
 * The failover function's dependencies, built on its first invocation (the SDK clients are imported here,
 * not at module init). Pauses live in this stack's own table, which this region's monitor reads; runs live
 * in their target site's table (see `siteStores`).
 */
export const loadFailoverRuntime = async (
  env: Record<string, string | undefined>,
): Promise<FailoverFunctionRuntime> => {
  const settings = parseLambdaEnv(env);
  const topology = await loadTopology(settings.CHDR_CONFIG);
  const [{ DynamoDBClient }, { SNSClient }] = await Promise.all([
    import('@aws-sdk/client-dynamodb'),
    import('@aws-sdk/client-sns'),
  ]);
  const store = new DynamoStateStore({
    client: new DynamoDBClient({}),
    tableName: settings.CHDR_STATE_TABLE,
  });
  const sns = new SNSClient({});
  const failover = await createFailoverRuntime(topology, {
    env,
    store,
    storeOf: siteStores(DynamoDBClient, topology, settings.CHDR_SITE, settings.CHDR_STATE_TABLE, store),
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
  invocation?: FailoverInvocation,
): Promise<OperatorResult> => {
  const action = (event as { action?: unknown } | null)?.action;
  if (action !== 'pause' && action !== 'resume') {
    return handleFailoverEvent(event, {
      topology: runtime.topology,
      failover: runtime.failover.deps,
      startedBy,
      ...(invocation ? { invocation } : {}),
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

/**
 * Continues a run in a fresh invocation of this same function (asynchronous `Event` invoke): each
 * invocation gets its own 15 minutes, the journal carries the run between them. Chosen over Step
 * Functions: the engine already resumes from its journal, so one IAM permission replaces a state machine.
 */
export const lambdaSelfInvoker =
  (client: Pick<LambdaClient, 'send'>, functionArn: string) =>
  async (event: FailoverLambdaEvent): Promise<void> => {
    const { InvokeCommand } = await import('@aws-sdk/client-lambda');
    const out = await client.send(
      new InvokeCommand({
        FunctionName: functionArn,
        InvocationType: 'Event',
        Payload: new TextEncoder().encode(JSON.stringify(event)),
      }),
    );
    if (out.StatusCode !== 202) {
      throw new FailoverError(
        FAILOVER_ERROR_CODES.stepFailed,
        `asynchronous invoke of ${functionArn} answered ${out.StatusCode ?? 'no status'}, not 202`,
      );
    }
  };
