// The 50-endpoint bench's extra endpoints, in a process of their own: each alias answers what the real
// replica or coordination node answered when recorded, at once. One local ClickHouse cannot stand in for
// twenty-five (it would serve 75 statements a cycle on two cores, and the figure would time that server);
// replayed replies keep the agent's own work (connections, requests, parsing, verdicts) and nothing else.
// Started by scripts/bench-cycle.ts: reads the recording as JSON on stdin, prints the ports it listens on.
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
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

const replicaServer = (recording: Recording): HttpServer =>
  createHttpServer((request, response) => {
    if (request.method === 'GET') {
      response.writeHead(recording.replicasStatus.httpStatus).end(recording.replicasStatus.body);
      return;
    }
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = recording.statements[Buffer.concat(chunks).toString('utf8')];
      if (body === undefined) response.writeHead(500).end('Code: 62. DB::Exception: not recorded');
      else response.writeHead(200).end(body);
    });
  });

const nodeServer = (recording: Recording): TcpServer =>
  createTcpServer((socket) => {
    socket.on('error', () => undefined);
    socket.once('data', (data) => socket.end(recording.words[data.toString('latin1').trim()] ?? ''));
  });

const listen = (server: HttpServer | TcpServer): Promise<number> =>
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
