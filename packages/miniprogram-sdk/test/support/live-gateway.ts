import { type ChildProcess, fork } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const packageDir = resolve(here, '../..');

export interface LiveGateway {
  /** http://127.0.0.1:PORT/graphql: what the mini program's wx.request talks to. */
  readonly graphqlUrl: string;
  /** The sandbox's own address: the fake phone's wx.login and face checks go there over HTTP. */
  readonly sandboxUrl: string;
  /** Moves the gateway's clock forward (sessions expire on it). */
  advanceClock(ms: number): Promise<void>;
  /** A service API key, as `facegate keys create` would print it. */
  createServiceKey(): Promise<string>;
  close(): Promise<void>;
}

type Reply = { id: number; ok: boolean; value?: unknown; error?: string };

/**
 * `startGateway` from @facegate/gateway in sandbox mode (no WeChat credentials), on a random port, with an
 * in-memory database, in a child process (see gateway-process.mts for why).
 */
export async function startLiveGateway(env: Record<string, string> = {}): Promise<LiveGateway> {
  const child: ChildProcess = fork(join(here, 'gateway-process.mts'), [], {
    cwd: packageDir,
    execArgv: ['--conditions=source', '--import', 'tsx'],
    env: { ...process.env, FACEGATE_TEST_ENV: JSON.stringify(env) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, (reply: Reply) => void>();
  let nextId = 1;

  const ready = await new Promise<{ graphqlUrl: string; sandboxUrl: string }>((resolveReady, reject) => {
    child.once('exit', (code) => reject(new Error(`gateway process exited early (${code})`)));
    child.on('message', (message: Reply & { type?: string; graphqlUrl?: string; sandboxUrl?: string }) => {
      if (message.type === 'ready') resolveReady(message as { graphqlUrl: string; sandboxUrl: string });
      else if (message.type === 'failed') reject(new Error(`gateway failed to start: ${message.error}`));
      else pending.get(message.id)?.(message);
    });
  });

  const call = (command: Record<string, unknown>): Promise<unknown> =>
    new Promise((resolveCall, reject) => {
      const id = nextId++;
      pending.set(id, (reply) => {
        pending.delete(id);
        if (reply.ok) resolveCall(reply.value);
        else reject(new Error(reply.error));
      });
      child.send({ ...command, id });
    });

  return {
    ...ready,
    advanceClock: async (ms) => {
      await call({ type: 'advance', ms });
    },
    createServiceKey: async () => String(await call({ type: 'createServiceKey' })),
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      await call({ type: 'close' }).catch(() => child.kill());
      await exited;
    },
  };
}

/** A business backend starting a verification for a user through the gateway's service API. */
export async function startAsBusiness(
  gateway: LiveGateway,
  input: { openid: string; name: string; idCardNumber: string; protocol?: 'LEGACY' | 'V2' },
): Promise<{ id: string }> {
  const key = await gateway.createServiceKey();
  const response = await fetch(gateway.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': key },
    body: JSON.stringify({
      query: 'mutation($input: StartVerificationInput!) { startVerification(input: $input) { id status } }',
      variables: { input },
    }),
  });
  const body = (await response.json()) as { data?: { startVerification: { id: string } }; errors?: unknown };
  if (!body.data) throw new Error(`business start failed: ${JSON.stringify(body.errors)}`);
  return body.data.startVerification;
}
