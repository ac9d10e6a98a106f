import 'reflect-metadata';
import { Writable } from 'node:stream';
import { createTestPostgresDatabase, type TestPostgresDatabase } from '@facegate/adapters-postgres/testing';
import type { Clock, VerificationSettings } from '@facegate/domain';
import { type Sandbox, startSandbox } from '@facegate/wechat-sandbox';
import type { ApiKeyScope } from '../../src/application/auth/viewer';
import { buildContainer, type ContainerOverrides, disposeContainer } from '../../src/composition/container';
import { type GatewayContainer, TOKENS } from '../../src/composition/tokens';
import { loadConfig } from '../../src/config/load-config';
import { createGateway, type Gateway } from '../../src/http/create-gateway';
import { createLogger } from '../../src/infrastructure/observability/logger';

/** GraphQL JSON as the tests read it. */
// biome-ignore lint/suspicious/noExplicitAny: response shapes are asserted by the tests themselves
export type Json = Record<string, any>;

export type DatabaseKind = 'pglite' | 'postgres';
export const DATABASE_KINDS: DatabaseKind[] = ['pglite', 'postgres'];

export const TEST_SECRET = 'test-secret-test-secret-test-secret-0123';

/** Real time plus an offset the test moves forward; gateway and sandbox share it. */
export class ShiftableClock implements Clock {
  private offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: {
    data?: T | null;
    errors?: { message: string; path?: string[]; extensions?: Record<string, unknown> }[];
  };
}

export interface TestGateway {
  readonly gateway: Gateway;
  readonly container: GatewayContainer;
  readonly sandbox: Sandbox;
  readonly clock: ShiftableClock;
  /** Every log line the gateway wrote. */
  readonly logs: string[];
  readonly databaseUrl: string | null;
  gql<T = Json>(query: string, variables?: unknown, credential?: string): Promise<GraphQLResponse<T>>;
  /** A user token for this openid, through the sandbox device's wx.login and the gateway's signIn. */
  signIn(openid: string): Promise<string>;
  createApiKey(scopes: ApiKeyScope[]): Promise<string>;
  close(): Promise<void>;
}

export interface TestGatewayOptions {
  database: DatabaseKind;
  /** An existing PostgreSQL url (to share one database between gateways), else a fresh one. */
  postgresUrl?: string;
  /** PGlite on disk in this folder instead of in memory. */
  dataDir?: string;
  env?: Record<string, string>;
  settings?: Partial<VerificationSettings>;
  sandbox?: Sandbox;
  clock?: ShiftableClock;
  /** e.g. webhook relay timings */
  overrides?: Pick<ContainerOverrides, 'webhookRelay' | 'webhookUrlPolicy' | 'webhookSender' | 'audit'>;
}

export async function startTestGateway(options: TestGatewayOptions): Promise<TestGateway> {
  const clock = options.clock ?? new ShiftableClock();
  const ownSandbox = options.sandbox === undefined;
  const sandbox = options.sandbox ?? (await startSandbox({ port: 0, now: () => clock.now().getTime() }));
  let pg: TestPostgresDatabase | null = null;
  let databaseUrl: string | null;
  if (options.database === 'postgres') {
    if (options.postgresUrl) databaseUrl = options.postgresUrl;
    else {
      pg = await createTestPostgresDatabase();
      databaseUrl = pg.url;
    }
  } else {
    databaseUrl = options.dataDir ? null : 'memory:';
  }
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      logs.push(...String(chunk).split('\n').filter(Boolean));
      callback();
    },
  });
  const production = options.env?.NODE_ENV === 'production';
  const loaded = loadConfig({
    FACEGATE_SECRET: TEST_SECRET,
    SANDBOX_PORT: '0',
    PORT: '0',
    LOG_LEVEL: 'info',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...(options.dataDir ? { DATA_DIR: options.dataDir } : { DATA_DIR: '/nonexistent/facegate-test' }),
    // production refuses sandbox mode: configure real WeChat, then point it at the sandbox below
    ...(production ? { WECHAT_APP_ID: 'wx_production_test', WECHAT_APP_SECRET: 'production-test' } : {}),
    ...options.env,
  });
  const config = production
    ? {
        ...loaded,
        wechat: { appId: sandbox.appId, appSecret: sandbox.appSecret, apiBaseUrl: sandbox.url },
      }
    : loaded;
  const container = await buildContainer(config, {
    sandbox,
    clock,
    logger: createLogger({ level: 'info', destination }),
    verificationSettings: options.settings,
    ...options.overrides,
  });
  const gateway = createGateway(container);

  const gql: TestGateway['gql'] = async (query, variables, credential) => {
    const response = await gateway.fetch('http://gateway/graphql', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        ...(credential ? { authorization: `Bearer ${credential}` } : {}),
      },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, headers: response.headers, body: (await response.json()) as never };
  };

  return {
    gateway,
    container,
    sandbox,
    clock,
    logs,
    databaseUrl,
    gql,
    async signIn(openid) {
      const code = sandbox.device.login(openid);
      const result = await gql<{ signIn: { token: string } }>(
        'mutation($code: String!) { signIn(code: $code) { token expiresAt } }',
        { code },
      );
      if (!result.body.data?.signIn) throw new Error(`signIn failed: ${JSON.stringify(result.body.errors)}`);
      return result.body.data.signIn.token;
    },
    async createApiKey(scopes) {
      const keys = container.resolve(TOKENS.ApiKeys);
      // a key's name is at most 100 characters: every scope's name together is longer
      const created = await keys.create(`test-${scopes.join('+')}`.slice(0, 100), scopes);
      if (!created.ok) throw new Error(created.error.message);
      return created.value.key;
    },
    async close() {
      await disposeContainer(container);
      if (ownSandbox) await sandbox.close();
      await pg?.drop();
    },
  };
}

export const VERIFICATION_FIELDS = `id status protocol livenessType maskedName maskedIdCardNumber attempts maxAttempts
  lastError { code message retryable upstreamCode }
  createdAt expiresAt verifiedAt clientReferenceId openid
  clientParams { __typename ... on LegacyClientParams { checkAliveType name idCardNumber userIdKey } ... on V2ClientParams { verifyId } }`;

export const START = `mutation Start($input: StartVerificationInput!) { startVerification(input: $input) { ${VERIFICATION_FIELDS} } }`;
export const CONFIRM = `mutation Confirm($input: ConfirmVerificationInput!) { confirmVerification(input: $input) { ${VERIFICATION_FIELDS} } }`;
export const CANCEL = `mutation Cancel($id: ID!) { cancelVerification(id: $id) { ${VERIFICATION_FIELDS} } }`;
export const GET = `query Get($id: ID!) { verification(id: $id) { ${VERIFICATION_FIELDS} } }`;

export function errorCode(response: GraphQLResponse): unknown {
  return response.body.errors?.[0]?.extensions?.code;
}
