import * as z from 'zod';
import { ConfigError } from '../config/index.js';

/** The environment the functions read (set by infra/stack.ts); checked once at cold start. */
const lambdaEnvSchema = z.object({
  CHDR_CONFIG: z.string().min(1, 'set it to the packaged topology file'),
  CHDR_SITE: z.string().min(1, 'set it to the site this deployment monitors'),
  CHDR_STATE_TABLE: z.string().min(1, 'set it to the DynamoDB state table'),
  CHDR_TOPIC_ARN: z.string().startsWith('arn:', 'set it to the SNS topic ARN'),
  CHDR_RUNBOOK_BASE: z.string().optional(),
  /** The deployment stage: the other sites' state tables are named after it (lib/state/sites.ts). */
  CHDR_STAGE: z.string().min(1).default('prod'),
});

export type LambdaEnv = z.output<typeof lambdaEnvSchema>;

export const parseLambdaEnv = (env: Record<string, string | undefined>): LambdaEnv => {
  const result = lambdaEnvSchema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(
      'environment',
      result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
    );
  }
  return result.data;
};
