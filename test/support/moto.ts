import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const SERVER_SCRIPT = fileURLToPath(new URL('./moto_server.py', import.meta.url));

/** A moto server of our own on a free loopback port: see moto_server.py for the one thing it adds. */
export interface MotoServer {
  readonly endpoint: string;
  /** moto's process (the benchmark reads its processor time). */
  readonly pid?: number | undefined;
  /** Forgets every resource (POST /moto-api/reset) and puts IAM's clock back to now. */
  reset(): Promise<void>;
  /** Moves IAM's clock: what is created next is stamped now + offset. */
  setClockOffset(offsetSeconds: number): Promise<void>;
  /** moto's record of everything, including the mail SES sent and the messages SNS published. */
  data(): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

export async function startMoto(): Promise<MotoServer> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn('python3', [SERVER_SCRIPT, '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  await waitUntilReady(endpoint, child, () => stderr);
  const post = async (path: string, body?: unknown) => {
    const response = await fetch(`${endpoint}${path}`, {
      method: 'POST',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`moto ${path} answered ${response.status}`);
  };
  return {
    endpoint,
    pid: child.pid,
    reset: async () => {
      await post('/moto-api/reset');
      await post('/_awssec/clock', { offset_seconds: 0 });
    },
    setClockOffset: (offsetSeconds) => post('/_awssec/clock', { offset_seconds: offsetSeconds }),
    data: async () =>
      (await (await fetch(`${endpoint}/moto-api/data.json`)).json()) as Record<string, unknown>,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

async function waitUntilReady(endpoint: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  let spawnError: Error | undefined;
  child.once('error', (error) => {
    spawnError = error;
  });
  while (Date.now() < deadline) {
    if (spawnError) throw new Error(`cannot start moto (python3 ${SERVER_SCRIPT}): ${spawnError.message}`);
    if (child.exitCode !== null) {
      throw new Error(`moto exited with code ${child.exitCode}: ${stderr().trim().split('\n').pop() ?? ''}`);
    }
    try {
      const response = await fetch(`${endpoint}/moto-api/`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`moto did not answer on ${endpoint} within 30 s`);
}
