import { get as httpGetRequest } from 'node:http';
import { get as httpsGetRequest } from 'node:https';
import type { HttpReply } from './types.js';

/**
 * A plain GET with node:http, returning any status with its body. Not the global fetch: its first use
 * compiles undici (about 100 ms of CPU), which a cold `chdr check` or Lambda would pay for one request.
 */
export const httpGet = (url: string, signal: AbortSignal): Promise<HttpReply> =>
  new Promise((resolve, reject) => {
    const get = url.startsWith('https:') ? httpsGetRequest : httpGetRequest;
    get(url, { signal }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ httpStatus: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
      response.on('error', reject);
    }).on('error', reject);
  });
