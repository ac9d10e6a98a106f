import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import pg from 'pg';
import { Pool } from 'undici';
import { type LocalServer, listenLocally, readBody } from '../support/local-server';

/**
 * The REST peer: what an integrator would write instead of adopting FaceGate, doing the same confirmation
 * durably. POST /confirm {verifyResult}: a unique evidence row (a replay is refused), the getinfo call to
 * WeChat with one cached token, an update with the outcome. node:http + undici + pg; no GraphQL, no auth,
 * no abuse limits, no encryption, no log.
 */
export interface RestPeerOptions {
  readonly sandboxUrl: string;
  readonly databaseUrl: string;
  readonly appId: string;
  readonly appSecret: string;
  readonly port?: number;
  readonly host?: string;
  /** Database connections (default 10, the gateway's DATABASE_POOL_SIZE default). */
  readonly poolSize?: number;
}

export type RestPeer = LocalServer;

const JSON_HEADERS = { 'content-type': 'application/json' };
const SCHEMA = `CREATE TABLE IF NOT EXISTS rest_peer_evidence (
  id bigserial PRIMARY KEY,
  digest bytea NOT NULL UNIQUE,
  outcome text,
  completed_at timestamptz
)`;
const CLAIM = {
  name: 'rest_peer_claim',
  text: 'INSERT INTO rest_peer_evidence (digest) VALUES ($1) ON CONFLICT (digest) DO NOTHING RETURNING id',
};
const COMPLETE = {
  name: 'rest_peer_complete',
  text: 'UPDATE rest_peer_evidence SET outcome = $2, completed_at = now() WHERE id = $1',
};

export async function startRestPeer(options: RestPeerOptions): Promise<RestPeer> {
  const db = new pg.Pool({ connectionString: options.databaseUrl, max: options.poolSize ?? 10 });
  await db.query(SCHEMA);
  const upstream = new Pool(options.sandboxUrl, { connections: 256, keepAliveTimeout: 30_000 });
  const post = async (path: string, body: unknown) => {
    const answer = await upstream.request({
      method: 'POST',
      path,
      headers: JSON_HEADERS,
      body: JSON.stringify(body),
    });
    return (await answer.body.json()) as Record<string, unknown>;
  };
  const token = await post('/cgi-bin/stable_token', {
    grant_type: 'client_credential',
    appid: options.appId,
    secret: options.appSecret,
    force_refresh: false,
  });
  if (typeof token.access_token !== 'string') throw new Error('rest peer: the sandbox gave no access token');
  const getinfo = `/cityservice/face/identify/getinfo?access_token=${encodeURIComponent(token.access_token)}`;

  const confirm = async (text: string): Promise<[number, unknown]> => {
    const input = JSON.parse(text) as { verifyResult?: unknown };
    if (typeof input.verifyResult !== 'string' || input.verifyResult === '')
      return [400, { error: 'verifyResult' }];
    const digest = createHash('sha256').update(input.verifyResult).digest();
    const claimed = await db.query<{ id: string }>({ ...CLAIM, values: [digest] });
    const id = claimed.rows[0]?.id;
    if (id === undefined) return [409, { error: 'already confirmed' }];
    const info = await post(getinfo, { verify_result: input.verifyResult });
    const status = info.errcode === 0 && info.identify_ret === 0 ? 'VERIFIED' : 'FAILED';
    await db.query({ ...COMPLETE, values: [id, status] });
    return [200, { status }];
  };

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const route =
      request.url === '/confirm' && request.method === 'POST'
        ? readBody(request).then(confirm)
        : Promise.resolve<[number, unknown]>([404, { error: 'not found' }]);
    route.then(
      ([status, body]) => {
        response.writeHead(status, JSON_HEADERS);
        response.end(JSON.stringify(body));
      },
      () => {
        response.writeHead(502, JSON_HEADERS);
        response.end('{"error":"upstream or database"}');
      },
    );
  });
  return listenLocally(server, options, async () => {
    await upstream.close();
    await db.end();
  });
}
