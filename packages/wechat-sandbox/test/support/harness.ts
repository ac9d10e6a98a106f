import { afterEach } from 'vitest';
import type { Sandbox, SandboxOptions } from '../../src/index';
import { startSandbox } from '../../src/index';

export const START = Date.parse('2025-03-01T08:00:00Z');
export const MINUTE = 60_000;

export type Json = Record<string, unknown> & { errcode?: number; errmsg?: string };

export const readJson = async (response: Response): Promise<Json> => (await response.json()) as Json;

export interface Harness {
  sandbox: Sandbox;
  clock: { now(): number; advance(ms: number): void };
  get(path: string, query?: Record<string, string>): Promise<Json>;
  post(path: string, body: unknown, query?: Record<string, string>): Promise<Json>;
  /** POST a raw body with its own content type. */
  postRaw(path: string, body: string, contentType: string, query?: Record<string, string>): Promise<Json>;
  stableToken(appId?: string, appSecret?: string): Promise<string>;
  /** POST to a face endpoint with ?access_token=. */
  face(endpoint: string, token: string, body: unknown): Promise<Json>;
}

const open: Sandbox[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((sandbox) => sandbox.close()));
});

/** A sandbox on a random port with a clock the test moves; closed after each test. */
export async function startHarness(options: SandboxOptions = {}): Promise<Harness> {
  let now = START;
  const sandbox = await startSandbox({ port: 0, seed: 7, now: () => now, ...options });
  open.push(sandbox);
  const urlOf = (path: string, query: Record<string, string> = {}) =>
    `${sandbox.url}${path}${Object.keys(query).length ? `?${new URLSearchParams(query)}` : ''}`;
  const json = readJson;
  const harness: Harness = {
    sandbox,
    clock: {
      now: () => now,
      advance: (ms) => {
        now += ms;
      },
    },
    get: async (path, query) => json(await fetch(urlOf(path, query))),
    post: async (path, body, query) =>
      json(await fetch(urlOf(path, query), { method: 'POST', body: JSON.stringify(body) })),
    postRaw: async (path, body, contentType, query) =>
      json(
        await fetch(urlOf(path, query), { method: 'POST', body, headers: { 'content-type': contentType } }),
      ),
    async stableToken(appId = sandbox.appId, appSecret = sandbox.appSecret) {
      const answer = await harness.post('/cgi-bin/stable_token', {
        grant_type: 'client_credential',
        appid: appId,
        secret: appSecret,
      });
      if (typeof answer.access_token !== 'string') throw new Error(`no token: ${JSON.stringify(answer)}`);
      return answer.access_token;
    },
    face: (endpoint, token, body) =>
      harness.post(`/cityservice/face/identify/${endpoint}`, body, { access_token: token }),
  };
  return harness;
}
