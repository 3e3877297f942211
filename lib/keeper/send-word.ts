import { readFileSync } from 'node:fs';
import type { CoordinationNode } from '../config/index.js';
import { describeError } from '../errors/index.js';
import { PROBE_FAILURES } from '../probe/index.js';
import { sendFourLetterWord } from './client.js';
import type { SendFourLetterWord, SendWord } from './types.js';

export interface SendWordDeps {
  /** Reads a CA bundle (PEM); defaults to the file system. */
  readCa?: (path: string) => string;
  send?: SendFourLetterWord;
}

/**
 * The 4lw sender for coordination nodes: TLS when the node says `tls: true` (its `caFile` trusted, read once),
 * plain TCP otherwise. A CA file that cannot be read is a failed result naming the file, not an exception.
 */
export const createSendWord = (deps: SendWordDeps = {}): SendWord => {
  const readCa = deps.readCa ?? ((path: string) => readFileSync(path, 'utf8'));
  const send = deps.send ?? sendFourLetterWord;
  const bundles = new Map<string, string>();

  const caOf = (node: CoordinationNode): { ok: true; ca?: string } | { ok: false; reason: string } => {
    if (node.caFile === undefined) return { ok: true };
    const cached = bundles.get(node.caFile);
    if (cached !== undefined) return { ok: true, ca: cached };
    try {
      const ca = readCa(node.caFile);
      bundles.set(node.caFile, ca);
      return { ok: true, ca };
    } catch (error) {
      return { ok: false, reason: `caFile ${node.caFile} cannot be read (${describeError(error)})` };
    }
  };

  return async (node, word, timeoutMs) => {
    const target = { host: node.host, port: node.clientPort };
    if (!node.tls) return send(target, word, { timeoutMs });
    const ca = caOf(node);
    if (!ca.ok) return { ok: false, code: PROBE_FAILURES.tls, reason: `${word}: ${ca.reason}`, elapsedMs: 0 };
    return send({ ...target, tls: ca.ca === undefined ? {} : { ca: ca.ca } }, word, { timeoutMs });
  };
};

/** The default sender: real connections, CA files from disk. */
export const sendWord: SendWord = createSendWord();
