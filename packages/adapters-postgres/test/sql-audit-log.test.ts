import { createHash } from 'node:crypto';
import { AuditChainVerifier } from '@facegate/domain';
import { FakeCheckpointSigner } from '@facegate/domain/testing';
import { anAuditEvent, auditLogContract } from '@facegate/domain/testing/audit-log-contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, SqlAuditLog } from '../src/index';
import { allHarnesses, openMigrated } from './support/drivers';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The trigger refuses DELETE: tests empty the table as the retention does, in a transaction that may. */
async function emptyAuditTrail(db: Database): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query(`SELECT set_config('facegate.audit_retention', 'on', true)`);
    await tx.query('DELETE FROM audit_events');
  });
}

for (const harness of await allHarnesses({ disk: false })) {
  let opened: Promise<Database> | undefined;
  const database = () => {
    opened ??= openMigrated(harness);
    return opened;
  };
  afterAll(async () => {
    if (opened !== undefined) await (await opened).close();
    await harness.destroy();
  });

  // the domain's contract suite, the same one the in-memory fake passes
  auditLogContract(`SqlAuditLog on ${harness.name}`, async () => {
    const db = await database();
    await emptyAuditTrail(db);
    return { log: new SqlAuditLog(db, sha256), close: async () => {} };
  });

  describe(`the audit_events table on ${harness.name} is append-only`, () => {
    let db: Database;
    beforeAll(async () => {
      db = await database();
      await emptyAuditTrail(db);
      await new SqlAuditLog(db, sha256).append([anAuditEvent({}, 1), anAuditEvent({}, 2)]);
    });

    it.each([
      ['UPDATE', `UPDATE audit_events SET outcome = 'refused' WHERE sequence = 1`],
      ['DELETE', 'DELETE FROM audit_events WHERE sequence = 2'],
      ['TRUNCATE', 'TRUNCATE audit_events'],
    ])('refuses %s', async (op, statement) => {
      await expect(db.query(statement)).rejects.toThrow(`audit_events is append-only: ${op} refused`);
      expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_events'))[0]!.n).toBe(2);
    });

    it('refuses UPDATE even inside a retention transaction, and the retention setting ends with it', async () => {
      await expect(
        db.transaction(async (tx) => {
          await tx.query(`SELECT set_config('facegate.audit_retention', 'on', true)`);
          await tx.query(`UPDATE audit_events SET outcome = 'refused'`);
        }),
      ).rejects.toThrow('UPDATE refused');
      await db.transaction(async (tx) => {
        await tx.query(`SELECT set_config('facegate.audit_retention', 'on', true)`);
      });
      await expect(db.query('DELETE FROM audit_events')).rejects.toThrow('DELETE refused');
    });
  });

  if (harness.openSecond !== undefined) {
    const openSecond = harness.openSecond;
    describe(`instances appending at once on ${harness.name}`, () => {
      it('two connection pools writing many batches at once leave one whole chain', async () => {
        const db = await database();
        await emptyAuditTrail(db);
        const other = await openSecond();
        try {
          const logs = [new SqlAuditLog(db, sha256), new SqlAuditLog(other, sha256)];
          const signer = new FakeCheckpointSigner();
          await Promise.all(
            Array.from({ length: 40 }, (_, i) =>
              logs[i % 2]!.append([anAuditEvent({}, i), anAuditEvent({}, i)], {
                signer,
                everyMs: 0,
                now: new Date(Date.parse('2025-06-01T00:00:00Z') + i * 1000),
              }),
            ),
          );
          const rows = await logs[0]!.read(1, 10_000, 10_000);
          expect(rows.map((r) => r.sequence)).toEqual(rows.map((_, i) => i + 1));
          expect(rows.filter((r) => r.action === 'session.read')).toHaveLength(80);
          const verifier = new AuditChainVerifier({ sha256, checkSignature: signer.check, start: 'trail' });
          verifier.add(rows);
          const checkpoints = rows.filter((r) => r.action === 'audit.checkpoint').length;
          expect(checkpoints).toBeGreaterThan(0);
          expect(verifier.finish()).toMatchObject({ ok: true, checkpoints });
        } finally {
          await other.close();
        }
      });
    });
  }
}
