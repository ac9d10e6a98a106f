import { SqlVerificationSessionRepository } from '@facegate/adapters-postgres';
import {
  type BenchDatabase,
  benchCipher,
  claimForConfirmation,
  completeConfirmation,
  evidenceHash,
  startSessions,
} from '../support/confirmations';
import type { DriverVariant } from './drivers';

/*
 * Before measuring: does each driver read what the repository expects? The same statement with the column
 * types the repository meets (jsonb, timestamptz, bytea, int8, numeric, arrays, booleans) and a JSON text bound
 * to $n::jsonb as the repository binds it, decoded by each driver; a session confirmed and read back through the
 * repository on each; and the SQLSTATE of a failing statement (the repository tests `code`). Differences from the
 * first variant (the production driver) are printed; none of this is timed.
 */

const PROBE = `SELECT $1::jsonb AS jsonb_param, '{"a":[1,2]}'::jsonb AS jsonb_col, $2::timestamptz AS tstz_param,
  '2024-05-06 07:08:09.123456+08'::timestamptz AS tstz_col, '2024-05-06 07:08:09'::timestamp AS ts_col,
  '2024-05-06'::date AS date_col, '\\x0102ff'::bytea AS bytea_col, 9007199254740993::int8 AS int8_col,
  42::int4 AS int4_col, 1.50::numeric AS numeric_col, ARRAY['a','b']::text[] AS text_array,
  true AS bool_col, NULL::text AS null_col`;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value instanceof Date) return `Date ${value.toISOString()}`;
  if (Buffer.isBuffer(value)) return `Buffer ${value.toString('hex')}`;
  if (Array.isArray(value)) return `Array ${JSON.stringify(value)}`;
  return `${typeof value} ${JSON.stringify(value)}`;
}

async function probe(variant: DriverVariant, bench: BenchDatabase): Promise<Record<string, string>> {
  const driver = await variant.open(bench.url, 1);
  try {
    const out: Record<string, string> = {};
    const [row] = await driver.db.query<Record<string, unknown>>(PROBE, [
      JSON.stringify({ code: 'X', n: 1 }),
      new Date('2024-05-06T07:08:09.123Z'),
    ]);
    for (const [k, v] of Object.entries(row ?? {})) out[k] = describe(v);
    const repo = new SqlVerificationSessionRepository(driver.db, benchCipher);
    const [s] = await startSessions(repo, 1);
    const hash = evidenceHash();
    await claimForConfirmation(repo, s!, hash);
    await completeConfirmation(repo, s!, hash);
    const read = await repo.findById(s!.id);
    // the same session read back: only the values the repository produced from the row
    out['session read back'] = JSON.stringify(
      read && { ...read, id: 'ID', idNumberHmac: 'H', createdAt: 0, expiresAt: 0, verifiedAt: 0, endedAt: 0 },
    );
    out['session dates are Dates'] = String(
      read !== null && [read.createdAt, read.expiresAt, read.verifiedAt].every((d) => d instanceof Date),
    );
    out['a second completion (FGABT caught by the repository)'] = String(
      await repo.completeEvidence(
        hash,
        { status: 'VERIFIED', failure: null, attempt: 1 },
        { ...read!, version: read!.version + 1 },
        read!.version,
        {
          type: 'verification.updated',
          sessionId: s!.id,
          app: 'default',
          status: 'VERIFIED',
          attempts: 1,
          occurredAt: new Date(),
        },
      ),
    );
    try {
      await driver.db.query(
        'INSERT INTO evidence_claims (evidence_hash, session_id, claimed_at) VALUES ($1, $2, now())',
        [hash, s!.id],
      );
      out['unique violation'] = 'no error';
    } catch (error) {
      const e = error as { code?: unknown; constructor: { name: string } };
      out['unique violation'] = `${e.constructor.name} code ${String(e.code)}`;
    }
    return out;
  } finally {
    await driver.close();
  }
}

export async function checkTypes(bench: BenchDatabase, variants: readonly DriverVariant[]): Promise<void> {
  const [reference, ...others] = variants;
  const expected = await probe(reference!, bench);
  console.log(`types as ${reference!.name} reads them:`);
  for (const [k, v] of Object.entries(expected)) console.log(`  ${k}: ${v}`);
  for (const variant of others) {
    const got = await probe(variant, bench);
    const differences = Object.keys({ ...expected, ...got }).filter((k) => got[k] !== expected[k]);
    console.log(
      differences.length === 0
        ? `${variant.name}: reads every probe as ${reference!.name}`
        : `${variant.name} differs:\n${differences.map((k) => `  ${k}: ${got[k]}`).join('\n')}`,
    );
  }
}
