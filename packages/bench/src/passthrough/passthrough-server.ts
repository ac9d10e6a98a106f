import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Pool } from 'undici';
import { type LocalServer, listenLocally, readBody } from '../support/local-server';

/**
 * The baseline the gateway is measured against: the least a server can do to answer the same question.
 * It forwards the very WeChat call the gateway makes (getinfo / queryverifyinfo for a confirmation,
 * getuseridkey / getverifyid for a start) with one access token fetched at start, and returns WeChat's
 * answer as it came. No GraphQL, no database, no validation, no logging.
 */
export interface PassthroughOptions {
  readonly sandboxUrl: string;
  readonly appId: string;
  readonly appSecret: string;
  readonly port?: number;
  readonly host?: string;
  /** Upstream connections (default 256: never the bottleneck at 200 concurrent clients). */
  readonly connections?: number;
}

export type Passthrough = LocalServer;

const JSON_HEADERS = { 'content-type': 'application/json' };
// what the gateway's verification query answers, give or take: the local baseline answers as much
const LOCAL_ANSWER = JSON.stringify({
  data: {
    verification: {
      id: '00000000-0000-4000-8000-000000000000',
      status: 'PENDING',
      protocol: 'LEGACY',
      attempts: 0,
      maxAttempts: 3,
      expiresAt: '2030-01-01T00:00:00.000Z',
      lastError: null,
    },
  },
});

export async function startPassthrough(options: PassthroughOptions): Promise<Passthrough> {
  const upstream = new Pool(options.sandboxUrl, {
    connections: options.connections ?? 256,
    keepAliveTimeout: 30_000,
  });
  const post = async (path: string, body: unknown): Promise<string> => {
    const answer = await upstream.request({
      method: 'POST',
      path,
      headers: JSON_HEADERS,
      body: JSON.stringify(body),
    });
    return answer.body.text();
  };
  const tokenAnswer = JSON.parse(
    await post('/cgi-bin/stable_token', {
      grant_type: 'client_credential',
      appid: options.appId,
      secret: options.appSecret,
      force_refresh: false,
    }),
  ) as { access_token?: string };
  if (!tokenAnswer.access_token) throw new Error('passthrough: the sandbox gave no access token');
  const token = encodeURIComponent(tokenAnswer.access_token);
  const face = (name: string) => `/cityservice/face/identify/${name}?access_token=${token}`;

  const route = async (path: string | undefined, input: Record<string, string>): Promise<string> => {
    switch (path) {
      case '/confirm':
        return input.verifyId === undefined
          ? post(face('getinfo'), { verify_result: input.verifyResult })
          : post(face('queryverifyinfo'), {
              verify_id: input.verifyId,
              out_seq_no: input.outSeqNo,
              cert_hash: input.certHash,
              openid: input.openid,
            });
      case '/start':
        return input.openid === undefined
          ? post(face('getuseridkey'), { name: input.name, id_card_number: input.idCardNumber })
          : post(face('getverifyid'), {
              out_seq_no: randomBytes(12).toString('hex'),
              cert_info: { cert_type: 'IDENTITY_CARD', cert_name: input.name, cert_no: input.idCardNumber },
              openid: input.openid,
            });
      case '/local':
        return LOCAL_ANSWER;
      default:
        throw new Error('not found');
    }
  };

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    readBody(request)
      .then((text) => route(request.url, text === '' ? {} : (JSON.parse(text) as Record<string, string>)))
      .then(
        (answer) => {
          response.writeHead(200, JSON_HEADERS);
          response.end(answer);
        },
        (error: Error) => {
          response.writeHead(error.message === 'not found' ? 404 : 502, JSON_HEADERS);
          response.end(JSON.stringify({ error: error.message }));
        },
      );
  });
  return listenLocally(server, options, () => upstream.close());
}
