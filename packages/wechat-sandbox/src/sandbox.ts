import { randomInt } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DeviceSide } from './device-side';
import { answerControlCall, SANDBOX_HEADER } from './http/control-routes';
import { FaultInjector, validateFaultSettings } from './http/fault-injector';
import { answerWeChatCall, WECHAT_ROUTES } from './http/wechat-routes';
import type {
  FaultKind,
  FaultSettings,
  FaultUpdate,
  Sandbox,
  SandboxApp,
  SandboxCounters,
  SandboxOptions,
} from './sandbox.types';
import { WeChatBackend } from './wechat-backend';
import { SandboxInputError, SETTING_BOUNDS, wechatError } from './wechat-errors';

const MAX_BODY_BYTES = 1024 * 1024;
const SWEEP_EVERY_MS = 10_000;

function checkTokenTtl(seconds: unknown): number {
  if (
    typeof seconds !== 'number' ||
    !Number.isInteger(seconds) ||
    seconds < 1 ||
    seconds > SETTING_BOUNDS.maxTokenTtlSeconds
  ) {
    throw new SandboxInputError(
      `tokenTtlSeconds must be a whole number from 1 to ${SETTING_BOUNDS.maxTokenTtlSeconds}`,
    );
  }
  return seconds;
}

function checkApps(options: SandboxOptions): SandboxApp[] {
  const apps: SandboxApp[] = [
    { appId: options.appId ?? 'wx_sandbox_app', appSecret: options.appSecret ?? 'sandbox-secret' },
    ...(options.extraApps ?? []),
  ];
  const seen = new Set<string>();
  for (const app of apps) {
    if (typeof app.appId !== 'string' || !/^[0-9A-Za-z_-]{1,64}$/.test(app.appId)) {
      throw new SandboxInputError('an appId must be 1-64 characters of 0-9 A-Z a-z _ -');
    }
    if (typeof app.appSecret !== 'string' || app.appSecret === '') {
      throw new SandboxInputError(`appSecret of ${app.appId} must be a non-empty string`);
    }
    if (seen.has(app.appId)) throw new SandboxInputError(`appId ${app.appId} is given twice`);
    seen.add(app.appId);
  }
  return apps;
}

function checkServedApp(backend: WeChatBackend, appId: unknown): string {
  if (typeof appId !== 'string' || !backend.hasApp(appId)) {
    throw new SandboxInputError(`unknown appid: ${String(appId)}`);
  }
  return appId;
}

/**
 * The app a WeChat call names, for the per-app counters: its `appid` (query, or stable_token's JSON body),
 * or, on the face endpoints, the app of an access token still held. Read before any fault is rolled, so
 * faulted calls count as in `calls`. null when it names no app the sandbox serves.
 */
function appOfCall(
  backend: WeChatBackend,
  needsToken: boolean,
  query: URLSearchParams,
  rawBody: string | null,
): string | null {
  if (needsToken) {
    const token = query.get('access_token');
    return token ? backend.appOfToken(token) : null;
  }
  let appId = query.get('appid');
  if (appId === null && rawBody) {
    try {
      const body: unknown = JSON.parse(rawBody);
      const named = (body as { appid?: unknown } | null)?.appid;
      if (typeof named === 'string') appId = named;
    } catch {
      // Not JSON: the call names no app (the backend answers it 47001).
    }
  }
  return appId !== null && backend.hasApp(appId) ? appId : null;
}

function checkCount(name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new SandboxInputError(`${name} must be a whole number of at least ${min}`);
  }
  return value;
}

const emptyFaultCounts = (): Record<FaultKind, number> => ({
  busy: 0,
  http5xx: 0,
  reset: 0,
  truncatedJson: 0,
  delayed: 0,
});

function readBody(request: IncomingMessage): Promise<string | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on('end', () => resolve(size > MAX_BODY_BYTES ? null : Buffer.concat(chunks).toString('utf8')));
    request.on('error', () => resolve(null));
  });
}

function send(response: ServerResponse, status: number, body: unknown, truncate = false): void {
  let bytes = Buffer.from(JSON.stringify(body), 'utf8');
  if (truncate) bytes = bytes.subarray(0, Math.max(1, Math.floor(bytes.length / 2)));
  // WeChat's own content type, charset spelling included.
  response.writeHead(status, {
    'content-type': 'application/json; encoding=utf-8',
    'content-length': bytes.length,
    [SANDBOX_HEADER]: 'true',
  });
  response.end(bytes);
}

function sendServiceUnavailable(response: ServerResponse): void {
  const html = '<html><head><title>503 Service Temporarily Unavailable</title></head><body></body></html>';
  response.writeHead(503, {
    'content-type': 'text/html',
    'content-length': Buffer.byteLength(html),
    [SANDBOX_HEADER]: 'true',
  });
  response.end(html);
}

/** Starts a local api.weixin.qq.com plus the device side; resolves once it listens. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const apps = checkApps(options);
  const main = apps[0]!;
  const port = checkCount('port', options.port, 0, 0);
  if (port > 65535) throw new SandboxInputError('port must be from 0 to 65535');
  const host = options.host ?? '127.0.0.1';
  const backend = new WeChatBackend({
    apps,
    tokenTtlSeconds: checkTokenTtl(options.tokenTtlSeconds ?? 7200),
    now: options.now ?? Date.now,
    maxEntries: checkCount('limits.maxEntries', options.limits?.maxEntries, 50_000, 1),
    loginsPerUserPerMinute: checkCount(
      'limits.loginsPerUserPerMinute',
      options.limits?.loginsPerUserPerMinute,
      100,
      0,
    ),
  });
  const faults = new FaultInjector(options.faults ?? {}, options.seed ?? randomInt(2 ** 31));
  const device = new DeviceSide(backend, main.appId);
  let calls = new Map<string, number>();
  const noCallsByApp = () => new Map(apps.map((app) => [app.appId, new Map<string, number>()]));
  let callsByApp = noCallsByApp();
  let faultCounts = emptyFaultCounts();
  let closed = false;
  const delays = new Map<NodeJS.Timeout, () => void>();

  const delay = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      if (ms <= 0 || closed) return resolve();
      const timer = setTimeout(() => {
        delays.delete(timer);
        resolve();
      }, ms);
      delays.set(timer, resolve);
    });

  async function handleWeChatCall(
    request: IncomingMessage,
    response: ServerResponse,
    path: string,
    url: URL,
  ): Promise<void> {
    const route = WECHAT_ROUTES[path]!;
    calls.set(path, (calls.get(path) ?? 0) + 1);
    const rawBody = await readBody(request);
    const perApp = callsByApp.get(appOfCall(backend, route.token, url.searchParams, rawBody) ?? '');
    perApp?.set(path, (perApp.get(path) ?? 0) + 1);
    const roll = faults.roll();
    if (roll.delayMs > 0) {
      faultCounts.delayed += 1;
      await delay(roll.delayMs);
      if (closed) return;
    }
    if (roll.action === 'reset') {
      faultCounts.reset += 1;
      request.socket.destroy();
      return;
    }
    if (roll.action === 'http5xx') {
      faultCounts.http5xx += 1;
      return sendServiceUnavailable(response);
    }
    if (roll.action === 'busy') {
      faultCounts.busy += 1;
      const busy = wechatError(-1);
      return send(response, busy.status, busy.body);
    }
    if (rawBody === null) return send(response, 413, { errcode: 47001, errmsg: 'data format error' });
    const answer = answerWeChatCall(backend, route, {
      method: request.method ?? 'GET',
      query: url.searchParams,
      rawBody,
    });
    if (roll.truncate) faultCounts.truncatedJson += 1;
    send(response, answer.status, answer.body, roll.truncate);
  }

  function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://sandbox');
    const path = url.pathname;
    return path.startsWith('/sandbox/')
      ? readBody(request).then((rawBody) => {
          if (rawBody === null) return send(response, 413, { error: 'body too large' });
          const answer = answerControlCall(sandbox, {
            method: request.method ?? 'GET',
            path,
            rawBody,
            host: request.headers.host,
            contentType: request.headers['content-type'],
            listenHost: host,
          });
          send(response, answer.status, answer.body);
        })
      : WECHAT_ROUTES[path]
        ? handleWeChatCall(request, response, path, url)
        : Promise.resolve(send(response, 404, { errcode: 404, errmsg: `no such endpoint: ${path}` }));
  }

  const server = createServer((request, response) => {
    // A bad request line or a sandbox bug must not take the process down; the caller sees a 500.
    const failed = () => {
      if (!response.headersSent) send(response, 500, { error: 'sandbox internal error' });
      else response.destroy();
    };
    try {
      route(request, response).catch(failed);
    } catch {
      failed();
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const sweeper = setInterval(() => backend.sweep(), SWEEP_EVERY_MS);
  sweeper.unref();

  const sandbox: Sandbox = {
    url: `http://${urlHost}:${address.port}`,
    appId: main.appId,
    appSecret: main.appSecret,
    apps,
    device,
    setFaults(update: FaultUpdate): void {
      if (typeof update !== 'object' || update === null)
        throw new SandboxInputError('faults must be an object');
      const { tokenTtlSeconds, revokeTokens, appId, ...rates } = update;
      // Check everything before changing anything.
      validateFaultSettings(rates);
      const ttl = tokenTtlSeconds === undefined ? undefined : checkTokenTtl(tokenTtlSeconds);
      if (revokeTokens !== undefined && typeof revokeTokens !== 'boolean') {
        throw new SandboxInputError('revokeTokens must be true or false');
      }
      if (appId !== undefined) {
        if (revokeTokens !== true) throw new SandboxInputError('appId goes with revokeTokens: true');
        checkServedApp(backend, appId);
      }
      faults.update(rates as Partial<FaultSettings>);
      if (ttl !== undefined) backend.tokenTtlSeconds = ttl;
      if (revokeTokens) backend.revokeTokens(appId);
    },
    faults: () => faults.current(),
    tokenTtlSeconds: () => backend.tokenTtlSeconds,
    revokeTokens: (appId?: string) => backend.revokeTokens(appId),
    addApp(app: SandboxApp): void {
      const [checked] = checkApps({ appId: app.appId, appSecret: app.appSecret });
      backend.addApp(checked!);
      const known = apps.findIndex((a) => a.appId === checked!.appId);
      if (known === -1) {
        apps.push(checked!);
        callsByApp.set(checked!.appId, new Map());
      } else apps[known] = checked!;
    },
    counters(): SandboxCounters {
      return {
        calls: Object.fromEntries(calls),
        tokensIssued: backend.tokensIssued,
        tokensIssuedByApp: Object.fromEntries(backend.tokensIssuedByApp),
        callsByApp: Object.fromEntries(
          [...callsByApp].map(([appId, paths]) => [appId, Object.fromEntries(paths)]),
        ),
        faultsInjected: { ...faultCounts },
        stored: backend.sizes(),
      };
    },
    resetCounters(): void {
      calls = new Map();
      callsByApp = noCallsByApp();
      faultCounts = emptyFaultCounts();
      backend.resetTokenCounts();
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      clearInterval(sweeper);
      for (const [timer, resolve] of delays) {
        clearTimeout(timer);
        resolve();
      }
      delays.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
  return sandbox;
}
