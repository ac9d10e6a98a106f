import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Database, migrate, openDatabase, SqlAuditLog } from '@facegate/adapters-postgres';
import {
  createTestPostgresDatabase,
  postgresForTests,
  type TestPostgresDatabase,
} from '@facegate/adapters-postgres/testing';
import { type AuditEvent, auditRowHash, auditTarget, type NewAuditEvent } from '@facegate/domain';
import { runProcess } from '@facegate/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditCheckpointKey, sha256Hex } from '../src/infrastructure/crypto/audit-checkpoint-key';
import { KeyRing } from '../src/infrastructure/crypto/key-ring';
import { REPO_ROOT, runFacegate } from './support/facegate-process';
import { TEST_SECRET } from './support/test-gateway';

/*
 * The real CLI on real PostgreSQL: `facegate audit verify` names each kind of tampering a superuser can do
 * (trigger disabled: a value changed, a row deleted, two rows swapped, a row rewritten with every hash after
 * it recomputed), and an export verifies with the public key alone, by the code docs/security.md shows.
 */
const postgres = await postgresForTests();

describe.runIf(postgres.run)('facegate audit (PostgreSQL, the real CLI)', () => {
  let pg: TestPostgresDatabase;
  let db: Database;
  let env: Record<string, string>;
  let dir: string;
  const key = new AuditCheckpointKey(new KeyRing(TEST_SECRET).key('audit-checkpoint-signing'));
  const T0 = Date.parse('2026-01-01T00:00:00.000Z');

  const event = (s: number): NewAuditEvent => ({
    occurredAt: new Date(T0 + s * 60_000),
    actor: { kind: 'api-key', keyId: 'key_bank', name: 'bank backend' },
    action: 'session.read',
    targets: [auditTarget('session', `vs_${s}`)],
    requestId: `req_${s}`,
    clientAddressHmac: 'cd'.repeat(32),
    outcome: 'success',
    details: {},
  });
  const verify = () => runFacegate(['audit', 'verify'], { env });
  /** As a superuser would: the append-only trigger off for the statement. */
  const asSuperuser = async (sql: string, params: unknown[] = []) => {
    await db.transaction(async (tx) => {
      await tx.query('ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only');
      await tx.query(sql, params);
      await tx.query('ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only');
    });
  };
  const rowAt = async (sequence: number): Promise<AuditEvent> =>
    (await new SqlAuditLog(db, sha256Hex).read(sequence, sequence, 1))[0]!;

  beforeAll(async () => {
    pg = await createTestPostgresDatabase();
    db = await openDatabase({ url: pg.url });
    await migrate(db);
    dir = await mkdtemp(join(tmpdir(), 'facegate-audit-'));
    env = {
      DATABASE_URL: pg.url,
      FACEGATE_SECRET: TEST_SECRET,
      DATA_DIR: join(dir, 'data'),
      LOG_LEVEL: 'warn',
    };
    // the CLI's own row first (cli:<user>), written when the command ends, signed by its checkpoint
    const created = await runFacegate(['keys', 'create', '--name', 'auditor', '--scopes', 'audit:read'], {
      env,
    });
    expect(created.code).toBe(0);
    // then a day of reads, a checkpoint every few rows (the same key the CLI derives from the secret)
    const log = new SqlAuditLog(db, sha256Hex);
    for (let s = 10; s < 70; s += 10) {
      await log.append([event(s), event(s + 1), event(s + 2)], {
        signer: key,
        everyMs: 0,
        // the checkpoint is written now (after the CLI's own checkpoint), the reads it signs earlier
        now: new Date(Date.now() + s),
      });
    }
  }, 120_000);
  afterAll(async () => {
    await db?.close();
    await pg?.drop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('records the CLI as cli:<user>, prints the public key, and verifies the untouched trail (exit 0)', async () => {
    const first = await rowAt(1);
    expect(first).toMatchObject({ action: 'api-key.created', actor: expect.stringMatching(/^cli:.+/) });
    expect(first.details).toMatchObject({ name: 'auditor', scopes: ['audit:read'] });
    expect((await rowAt(2)).action).toBe('audit.checkpoint');

    const publicKey = await runFacegate(['audit', 'public-key'], { env });
    expect(publicKey.code).toBe(0);
    expect(publicKey.stdout).toBe(key.publicKeyPem());
    expect(publicKey.stdout).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);

    const result = await verify();
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /Audit trail verified: rows 1-26 \(26 rows\), 7 checkpoints, signed through row 25/,
    );
  });

  it('a changed value: named at its row, exit 1', async () => {
    const original = await rowAt(4);
    await asSuperuser(`UPDATE audit_events SET targets = '["session:vs_someone_else"]' WHERE sequence = 4`);
    const result = await verify();
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('BROKEN at row 4 (changed): row 4 does not match its hash');
    await asSuperuser('UPDATE audit_events SET targets = $1::jsonb WHERE sequence = 4', [
      JSON.stringify(original.targets),
    ]);
    expect((await verify()).code).toBe(0);
  });

  it('a deleted row: named, exit 1', async () => {
    const saved = await db.query<Record<string, unknown>>('SELECT * FROM audit_events WHERE sequence = 9');
    await asSuperuser('DELETE FROM audit_events WHERE sequence = 9');
    const result = await verify();
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('BROKEN at row 9 (deleted): row 9 is missing (deleted)');
    const row = saved[0]!;
    const columns = Object.keys(row);
    await asSuperuser(
      `INSERT INTO audit_events (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
      columns.map((c) => (c === 'targets' || c === 'details' ? JSON.stringify(row[c]) : row[c])),
    );
    expect((await verify()).code).toBe(0);
  });

  it('two swapped rows: named, exit 1', async () => {
    // through negative numbers: the primary key holds at every step, as a superuser would do it
    const swap = async () => {
      await asSuperuser('UPDATE audit_events SET sequence = -sequence WHERE sequence IN (12, 13)');
      await asSuperuser(
        'UPDATE audit_events SET sequence = CASE sequence WHEN -12 THEN 13 ELSE 12 END WHERE sequence IN (-12, -13)',
      );
    };
    await swap();
    const result = await verify();
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('BROKEN at row 12 (swapped): rows 12 and 13 are swapped');
    await swap();
    expect((await verify()).code).toBe(0);
  });

  it('an export verifies with the public key alone, by the code in docs/security.md; an edited line does not', async () => {
    const file = join(dir, 'audit.jsonl');
    const exported = await runFacegate(
      ['audit', 'export', '--from', '2026-01-01T00:20:00Z', '--to', '2026-01-01T00:41:00Z', '--out', file],
      { env },
    );
    expect(exported.code).toBe(0);
    const lines = (await readFile(file, 'utf8')).trim().split('\n');
    // rows of 00:20-00:41, on to the checkpoint signing the last of them
    expect(JSON.parse(lines[0]!)).toMatchObject({ action: 'session.read', requestId: 'req_20' });
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ action: 'audit.checkpoint' });

    const docs = await readFile(join(REPO_ROOT, 'docs/security.md'), 'utf8');
    const code = /```js\n(\/\/ verify-audit-export\.mjs[\s\S]*?)```/.exec(docs)?.[1];
    expect(code).toBeDefined();
    const script = join(dir, 'verify-audit-export.mjs');
    const pem = join(dir, 'audit-public-key.pem');
    await writeFile(script, code!);
    await writeFile(pem, (await runFacegate(['audit', 'public-key'], { env })).stdout);
    const checked = await runProcess(process.execPath, [script, file, pem], { cwd: dir });
    expect(checked.code).toBe(0);
    const last = JSON.parse(lines.at(-1)!) as { sequence: number };
    expect(checked.stdout.trim()).toBe(
      `chain whole through row ${last.sequence}; signed through row ${last.sequence - 1}`,
    );

    // one changed value in the file
    const edited = join(dir, 'edited.jsonl');
    await writeFile(
      edited,
      `${lines.map((l, i) => (i === 1 ? l.replace('"success"', '"refused"') : l)).join('\n')}\n`,
    );
    const refused = await runProcess(process.execPath, [script, edited, pem], { cwd: dir });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('does not match its hash');
    // another key's public key does not check the signatures
    const other = new AuditCheckpointKey(
      new KeyRing('another-secret-another-secret-0123456').key('audit-checkpoint-signing'),
    );
    await writeFile(pem, other.publicKeyPem());
    const wrongKey = await runProcess(process.execPath, [script, file, pem], { cwd: dir });
    expect(wrongKey.stderr).toContain('is not signed by this key');
  });

  it('a row rewritten with every hash after it recomputed: the next checkpoint refuses, exit 1', async () => {
    const rows = await new SqlAuditLog(db, sha256Hex).read(1, 1_000, 1_000);
    const tampered: AuditEvent[] = [];
    for (const row of rows) {
      const previousHash = tampered.at(-1)?.hash ?? row.previousHash;
      const content = row.sequence === 15 ? { ...row, outcome: 'refused' } : row;
      tampered.push({ ...content, previousHash, hash: auditRowHash(sha256Hex, previousHash, content) });
    }
    for (const row of tampered.filter((r) => r.sequence >= 15)) {
      await asSuperuser(
        'UPDATE audit_events SET outcome = $2, previous_hash = $3, hash = $4 WHERE sequence = $1',
        [row.sequence, row.outcome, row.previousHash, row.hash],
      );
    }
    const result = await verify();
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /BROKEN at row (\d+) \(checkpoint\): the checkpoint at row \1 does not sign the chain's head/,
    );
  });
});
