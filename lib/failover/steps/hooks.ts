import type { Hook, Site } from '../../config/index.js';
import { findSite } from '../../config/index.js';
import { describeError } from '../../errors/index.js';
import { FAILOVER_ERROR_CODES, FailoverError } from '../errors.js';
import { redactCommand, runOnNode } from '../host.js';
import type { FailoverStep, PlannedAction, StepContext } from '../types.js';

const describeHook = (hook: Hook): string =>
  'command' in hook ? `command ${redactCommand(hook.command)}` : `Lambda ${hook.lambda}`;

/** Where a command hook runs: the first replica of its `site` (default: the target site). */
const hookHost = (ctx: StepContext, hook: Extract<Hook, { command: string }>, to: Site) =>
  (hook.site ? findSite(ctx.topology, hook.site) : to).replicas[0]!;

const runHook = async (ctx: StepContext, hook: Hook, phase: 'pre' | 'post', to: Site): Promise<string> => {
  const payload = {
    phase,
    runId: ctx.runId,
    kind: ctx.request.kind,
    from: ctx.request.from,
    to: ctx.request.to,
    cluster: ctx.topology.cluster,
  };
  if ('command' in hook) {
    const host = hookHost(ctx, hook, to);
    const saved = ctx.deadline;
    ctx.deadline = Math.min(ctx.deadline, ctx.deps.clock.now() + hook.timeoutSeconds * 1000);
    try {
      const env = Object.entries({
        CHDR_PHASE: phase,
        CHDR_RUN_ID: ctx.runId,
        CHDR_KIND: ctx.request.kind,
        CHDR_FROM: ctx.request.from,
        CHDR_TO: ctx.request.to,
      })
        .map(([k, v]) => `${k}='${v.replace(/'/g, `'\\''`)}'`)
        .join(' ');
      const result = await runOnNode(ctx, host, `export ${env}; ${hook.command}`, `${phase}-hook`);
      return `${host.name}: ${result.stdout.trim().slice(0, 200)}`;
    } finally {
      ctx.deadline = saved;
    }
  }
  if (!ctx.deps.lambda)
    throw new FailoverError(FAILOVER_ERROR_CODES.hookFailed, `no Lambda client to invoke ${hook.lambda}`);
  // Loaded on first use: a Lambda's module init stays config and code (issue 15).
  const { InvokeCommand } = await import('@aws-sdk/client-lambda');
  const out = await ctx.deps.lambda.send(
    new InvokeCommand({
      FunctionName: hook.lambda,
      InvocationType: 'RequestResponse',
      Payload: new TextEncoder().encode(JSON.stringify(payload)),
    }),
    { abortSignal: AbortSignal.timeout(hook.timeoutSeconds * 1000) },
  );
  const body = out.Payload ? new TextDecoder().decode(out.Payload) : '';
  if (out.FunctionError || (out.StatusCode ?? 200) >= 300) {
    throw new FailoverError(
      FAILOVER_ERROR_CODES.hookFailed,
      `Lambda ${hook.lambda} failed (${out.FunctionError ?? out.StatusCode}): ${body.slice(0, 300)}`,
    );
  }
  return `${hook.lambda}: ${body.slice(0, 200)}`;
};

/**
 * Pre-hooks run before any change (e.g. fencing the old primary: revoke its write users, close a
 * security group); one that fails or times out aborts the run with nothing changed. Post-hooks run
 * after verification; their failure is reported, not fatal.
 */
export const hooksStep = (phase: 'pre' | 'post', hooks: readonly Hook[], to: Site): FailoverStep => ({
  id: `${phase}-hooks`,
  title: `${phase === 'pre' ? 'Pre' : 'Post'}-failover hooks (${hooks.length})`,
  kind: 'check',
  nonFatal: phase === 'post',
  async plan(ctx) {
    return hooks.map((hook): PlannedAction =>
      'command' in hook
        ? { target: hookHost(ctx, hook, to).name, via: 'host', text: redactCommand(hook.command) }
        : {
            target: hook.lambda,
            via: 'lambda',
            text: `Invoke ${hook.lambda} (RequestResponse, ${hook.timeoutSeconds} s)`,
          },
    );
  },
  async run(ctx) {
    const notes: string[] = [];
    for (const hook of hooks) {
      try {
        notes.push(await runHook(ctx, hook, phase, to));
      } catch (error) {
        throw new FailoverError(
          FAILOVER_ERROR_CODES.hookFailed,
          `${phase}-hook ${describeHook(hook)} failed${phase === 'pre' ? ' (nothing changed)' : ''}: ${describeError(error)}`,
          { cause: error },
        );
      }
    }
    return { notes };
  },
  async verify() {},
});
