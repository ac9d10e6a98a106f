import { createHash } from 'node:crypto';
import { type Database, openDatabase, type Queryable } from '@facegate/adapters-postgres';
import type { VerificationSessionSnapshot } from '@facegate/domain';
import pg from 'pg';
import postgres from 'postgres';

/*
 * The drivers driver-cost compares, each behind the adapter's Database interface so that the real repository
 * (its SQL text, parameters and row mapping) runs unchanged on top: what differs between them is the driver
 * alone. Only `pg` is FaceGate's; the others are prototypes for a measurement, not candidates wired anywhere.
 */

export interface Driver {
  readonly db: Database;
  readonly close: () => Promise<void>;
}

export interface DriverVariant {
  readonly name: string;
  /** False for the floor, which answers from memory: no database, no server CPU. */
  readonly usesServer: boolean;
  open(url: string, connections: number): Promise<Driver>;
}

const STATEMENT_TIMEOUT_MS = 5_000;

/** The queries of a variant as a Database; transaction() is not on the measured path and refuses. */
function queryOnly(kind: string, query: Queryable['query'], close: () => Promise<void>): Driver {
  const db: Database = {
    kind: 'postgres',
    query,
    exec: async (sql) => {
      await query(sql);
    },
    transaction: () => Promise.reject(new Error(`${kind}: transaction() is not prototyped here`)),
    ping: async () => {
      await query('SELECT 1');
    },
    close,
  };
  return { db, close };
}

const names = new Map<string, string>();
/** A prepared-statement name per text, as PostgresDatabase names its statements. */
function named(sql: string): string {
  let name = names.get(sql);
  if (name === undefined) {
    name = `dc_${createHash('sha256').update(sql).digest('hex').slice(0, 32)}`;
    names.set(sql, name);
  }
  return name;
}

/** 1. The production path: PostgresDatabase (a pg Pool, statements named by their text, a span per statement). */
const pgAsToday: DriverVariant = {
  name: 'pg (FaceGate today)',
  usesServer: true,
  async open(url, connections) {
    const db = await openDatabase({ url, poolMax: connections });
    return { db, close: () => db.close() };
  },
};

/** 2. pg's Pool called directly with `{ name, text, values }`: the production driver less the adapter's wrapper. */
const pgRawNamed: DriverVariant = {
  name: 'pg raw, named',
  usesServer: true,
  async open(url, connections) {
    const pool = new pg.Pool({
      connectionString: url,
      max: connections,
      statement_timeout: STATEMENT_TIMEOUT_MS,
    });
    return queryOnly(
      this.name,
      async <T>(text: string, values: unknown[] = []) =>
        (await pool.query({ name: named(text), text, values })).rows as T[],
      () => pool.end(),
    );
  },
};

/**
 * 3. pg 8.23's pipeline mode: `connections` pg Clients with `pipeline: true`, each statement sent at once on the
 * client with the fewest statements in flight (pg's Pool hands a client to one query at a time, so pipelining
 * needs clients of one's own).
 */
const pgPipelined: DriverVariant = {
  name: 'pg pipelined, named',
  usesServer: true,
  async open(url, connections) {
    const clients = await Promise.all(
      Array.from({ length: connections }, async () => {
        const client = new pg.Client({
          connectionString: url,
          statement_timeout: STATEMENT_TIMEOUT_MS,
          pipeline: true,
        } as pg.ClientConfig);
        await client.connect();
        return { client, inFlight: 0 };
      }),
    );
    return queryOnly(
      this.name,
      async <T>(text: string, values: unknown[] = []) => {
        let c = clients[0]!;
        for (const other of clients) if (other.inFlight < c.inFlight) c = other;
        c.inFlight++;
        try {
          return (await c.client.query({ name: named(text), text, values })).rows as T[];
        } finally {
          c.inFlight--;
        }
      },
      async () => {
        await Promise.all(clients.map((c) => c.client.end()));
      },
    );
  },
};

/**
 * The repository binds JSON as text to `$n::jsonb` (pg sends strings as they are); postgres serializes a
 * parameter the server types as json/jsonb with JSON.stringify, which would store a JSON string instead of the
 * object: a string is sent as it is here. Parsing is unchanged (JSON.parse, as pg).
 */
const JSON_AS_TEXT = {
  jsonText: {
    to: 3802,
    from: [114],
    serialize: (x: unknown) => (typeof x === 'string' ? x : JSON.stringify(x)),
    parse: (x: string) => JSON.parse(x) as unknown,
  },
};

/** The `postgres` package (porsager) with `sql.unsafe(text, params, { prepare: true })`. */
function postgresJs(name: string, maxPipeline: number): DriverVariant {
  return {
    name,
    usesServer: true,
    async open(url, connections) {
      const sql = postgres(url, {
        max: connections,
        // 0: one statement at a time per connection, as pg; postgres's default (100) pipelines
        max_pipeline: maxPipeline,
        prepare: true,
        idle_timeout: 30,
        connect_timeout: 5,
        connection: { statement_timeout: STATEMENT_TIMEOUT_MS },
        onnotice: () => {},
        // pg binds undefined as NULL; postgres throws on it unless told
        transform: { undefined: null },
        types: JSON_AS_TEXT,
      } as postgres.Options<typeof JSON_AS_TEXT>);
      const db = queryOnly(
        name,
        async <T>(text: string, values: unknown[] = []) =>
          (await sql.unsafe(text, values as postgres.ParameterOrJSON<never>[], {
            prepare: true,
          })) as unknown as T[],
        () => sql.end({ timeout: 5 }),
      );
      // what a switch would make of transaction(): sql.begin reserves a connection (BEGIN through unsafe is refused)
      const transaction: Database['transaction'] = (fn) =>
        sql.begin((tx) =>
          fn({
            query: async <T>(text: string, values: unknown[] = []) =>
              (await tx.unsafe(text, values as postgres.ParameterOrJSON<never>[], {
                prepare: true,
              })) as unknown as T[],
            exec: async (text) => {
              await tx.unsafe(text);
            },
          }),
        ) as never;
      return { db: { ...db.db, transaction }, close: db.close };
    },
  };
}

/** A session row as findAndClaim's statement returns it (SessionRow plus `claimed`). */
function rowOf(s: VerificationSessionSnapshot, id: string): Record<string, unknown> {
  return {
    id,
    app: s.app,
    protocol: s.protocol,
    status: s.status,
    openid: s.openid,
    liveness_type: s.livenessType,
    observed_liveness: s.observedLiveness,
    masked_name: s.maskedName,
    masked_id_card_number: s.maskedIdCardNumber,
    id_number_hmac: s.idNumberHmac,
    binding_sealed: null,
    attempts: s.attempts,
    max_attempts: s.maxAttempts,
    last_error: s.lastError,
    created_at: new Date(s.createdAt),
    expires_at: new Date(s.expiresAt),
    verified_at: null,
    ended_at: null,
    client_reference_id: s.clientReferenceId,
    initiator: s.initiator,
    consent_receipt_id: s.consentReceiptId,
    guardian_required: s.guardianRequired,
    cancel_reason: s.cancelReason,
    redacted_at: null,
    version: s.version,
    claimed: true,
  };
}

/**
 * 0. The floor: no driver, each statement answered from memory with fresh rows of the real shape. What the
 * bench loop and the repository (parameters, JSON, row mapping) cost on their own; a variant's client CPU
 * above it is its driver's.
 */
export function floorVariant(template: VerificationSessionSnapshot): DriverVariant {
  return {
    name: 'no driver (floor)',
    usesServer: false,
    open: async () =>
      queryOnly(
        'floor',
        async <T>(text: string, values: unknown[] = []) =>
          (text.startsWith('WITH s AS')
            ? [rowOf(template, String(values[0]))]
            : [{ updated: 1, ok: null }]) as T[],
        async () => {},
      ),
  };
}

export const DRIVER_VARIANTS: readonly DriverVariant[] = [
  pgAsToday,
  pgRawNamed,
  pgPipelined,
  postgresJs('postgres, one at a time', 0),
  postgresJs('postgres, pipelined', 100),
];
