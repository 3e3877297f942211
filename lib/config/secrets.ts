import type { SSMClient } from '@aws-sdk/client-ssm';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CONFIG_ERROR_CODES, ConfigError } from './errors.js';
import type { SecretRef } from './types.js';

/** What secret resolution may touch; the AWS clients are only needed for their kind of reference. */
export interface SecretDeps {
  env: Readonly<Record<string, string | undefined>>;
  ssm?: Pick<SSMClient, 'send'>;
  secretsManager?: Pick<SecretsManagerClient, 'send'>;
}

const unresolved = (where: string, message: string, cause?: unknown) =>
  new ConfigError('secret', [{ path: where, message }], { code: CONFIG_ERROR_CODES.secretUnresolved, cause });

/**
 * Resolves a password reference to its value. `where` names the config path for error messages;
 * the value itself never appears in an error or a log.
 */
export const resolveSecret = async (
  ref: SecretRef | undefined,
  where: string,
  deps: SecretDeps,
): Promise<string> => {
  if (ref === undefined) return '';
  if (typeof ref === 'string') return ref;
  if ('env' in ref) {
    const value = deps.env[ref.env];
    if (value === undefined) throw unresolved(where, `environment variable ${ref.env} is not set`);
    return value;
  }
  if ('ssm' in ref) {
    if (!deps.ssm) throw unresolved(where, 'an SSM reference needs AWS credentials and a region');
    try {
      // Loaded only for this kind of reference: a config without one never pays for the SDK client.
      const { GetParameterCommand } = await import('@aws-sdk/client-ssm');
      const out = await deps.ssm.send(new GetParameterCommand({ Name: ref.ssm, WithDecryption: true }));
      const value = out.Parameter?.Value;
      if (value === undefined) throw unresolved(where, `SSM parameter ${ref.ssm} has no value`);
      return value;
    } catch (cause) {
      if (cause instanceof ConfigError) throw cause;
      throw unresolved(where, `SSM parameter ${ref.ssm} could not be read (${(cause as Error).name})`, cause);
    }
  }
  if (!deps.secretsManager)
    throw unresolved(where, 'a Secrets Manager reference needs AWS credentials and a region');
  let secretString: string | undefined;
  try {
    const { GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
    const out = await deps.secretsManager.send(new GetSecretValueCommand({ SecretId: ref.secretsManager }));
    secretString = out.SecretString;
  } catch (cause) {
    throw unresolved(
      where,
      `secret ${ref.secretsManager} could not be read (${(cause as Error).name})`,
      cause,
    );
  }
  if (secretString === undefined) throw unresolved(where, `secret ${ref.secretsManager} has no string value`);
  if (ref.key === undefined) return secretString;
  try {
    const value = (JSON.parse(secretString) as Record<string, unknown>)[ref.key];
    if (typeof value !== 'string') throw new Error('missing key');
    return value;
  } catch {
    throw unresolved(where, `secret ${ref.secretsManager} is not a JSON object with a string "${ref.key}"`);
  }
};
