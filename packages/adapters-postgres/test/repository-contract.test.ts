import { verificationSessionRepositoryContract } from '@facegate/domain/testing/repository-contract';
import { afterAll } from 'vitest';
import {
  AesGcmFieldCipher,
  type Database,
  parseVerificationEvent,
  SqlVerificationSessionRepository,
} from '../src/index';
import { allHarnesses, openMigrated } from './support/drivers';
import { TEST_KEY } from './support/session-mother';

// The domain's contract suite, the same one its in-memory fake passes, on every driver.
// On-disk PGlite runs the same SQL as in-memory PGlite; its durability is tested in the repository suite.
const harnesses = await allHarnesses({ disk: false });
const cipher = new AesGcmFieldCipher(TEST_KEY);

for (const harness of harnesses) {
  // One database per driver; "an empty store" per test is had by emptying the tables, which is far cheaper
  // than starting PGlite again.

  let opened: Promise<Database> | undefined;
  const database = () => {
    opened ??= openMigrated(harness);
    return opened;
  };

  verificationSessionRepositoryContract(`SqlVerificationSessionRepository on ${harness.name}`, async () => {
    const db = await database();
    await db.exec(
      'DELETE FROM evidence_claims; DELETE FROM verification_sessions; DELETE FROM event_outbox;',
    );
    return {
      repo: new SqlVerificationSessionRepository(db, cipher),
      storedEvents: async (sessionId) => {
        const rows = await db.query<{ payload: unknown }>(
          'SELECT payload FROM event_outbox WHERE session_id = $1 ORDER BY id',
          [sessionId],
        );
        return rows.map((r) => {
          const event = parseVerificationEvent(JSON.stringify(r.payload));
          if (event === null) throw new Error('an outbox row that is not a verification event');
          return event;
        });
      },
      close: async () => {},
    };
  });

  afterAll(async () => {
    if (opened !== undefined) await (await opened).close();
    await harness.destroy();
  });
}
