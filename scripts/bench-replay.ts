// The 50-endpoint bench's extra endpoints, in a process of their own: each alias answers what the real
// replica or coordination node answered when recorded, at once. One local ClickHouse cannot stand in for
// twenty-five (it would serve 75 statements a cycle on two cores, and the figure would time that server);
// replayed replies keep the agent's own work (connections, requests, parsing, verdicts) and nothing else.
// Started by scripts/bench-cycle.ts: reads the recording as JSON on stdin, prints the ports it listens on.
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';

export interface Recording {
  /** `/replicas_status?verbose=1`: the status and body the real replica gave. */
  replicasStatus: { httpStatus: number; body: string };
  /** Statement (as POSTed, `FORMAT` clause included) → the body the real replica answered. */
  statements: Record<string, string>;
  /** 4lw word → the reply the real coordination node gave. */
  words: Record<string, string>;
  replicas: number;
  nodes: number;
}

export interface ReplayPorts {
  replicas: number[];
  nodes: number[];
}

const readStdin = async (): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

const response = (status: number, body: string): Buffer => {
  const bytes = Buffer.from(body);
  return Buffer.concat([
    Buffer.from(`HTTP/1.1 ${status} X\r\nContent-Length: ${bytes.length}\r\nConnection: keep-alive\r\n\r\n`),
    bytes,
  ]);
};

/**
 * A minimal HTTP/1.1 keep-alive responder (node:http's parser would cost this process more than the agent
 * spends on the request): reads each request's head and Content-Length body, answers the recorded bytes.
 */
const replicaServer = (recording: Recording): TcpServer => {
  const status = response(recording.replicasStatus.httpStatus, recording.replicasStatus.body);
  const statements = new Map(
    Object.entries(recording.statements).map(([sql, body]) => [sql, response(200, body)]),
  );
  const unknown = response(500, 'Code: 62. DB::Exception: not recorded');
  return createTcpServer((socket) => {
    socket.on('error', () => undefined);
    let pending = Buffer.alloc(0);
    socket.on('data', (data: Buffer) => {
      pending = Buffer.concat([pending, data]);
      for (;;) {
        const headEnd = pending.indexOf('\r\n\r\n');
        if (headEnd < 0) return;
        const head = pending.subarray(0, headEnd).toString('latin1');
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        const bodyStart = headEnd + 4;
        if (pending.length < bodyStart + length) return;
        const body = pending.subarray(bodyStart, bodyStart + length).toString('utf8');
        pending = pending.subarray(bodyStart + length);
        socket.write(head.startsWith('GET ') ? status : (statements.get(body) ?? unknown));
      }
    });
  });
};

const nodeServer = (recording: Recording): TcpServer =>
  createTcpServer((socket) => {
    socket.on('error', () => undefined);
    socket.once('data', (data) => socket.end(recording.words[data.toString('latin1').trim()] ?? ''));
  });

const listen = (server: TcpServer): Promise<number> =>
  new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );

const main = async () => {
  const recording = JSON.parse(await readStdin()) as Recording;
  const ports: ReplayPorts = {
    replicas: await Promise.all(
      Array.from({ length: recording.replicas }, () => listen(replicaServer(recording))),
    ),
    nodes: await Promise.all(Array.from({ length: recording.nodes }, () => listen(nodeServer(recording)))),
  };
  process.stdout.write(`${JSON.stringify(ports)}\n`);
};

await main();
