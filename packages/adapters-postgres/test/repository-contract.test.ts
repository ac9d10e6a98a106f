import { verificationSessionRepositoryContract } from '@facegate/domain/testing/repository-contract';
import { AesGcmFieldCipher, parseVerificationEvent, SqlVerificationSessionRepository } from '../src/index';
import { onEveryDriver } from './support/drivers';
import { TEST_KEY } from './support/session-mother';

// The domain's contract suite, the same one its in-memory fake passes, on every driver.
// On-disk PGlite runs the same SQL as in-memory PGlite; its durability is tested in the repository suite.
const cipher = new AesGcmFieldCipher(TEST_KEY);

await onEveryDriver(['evidence_claims', 'verification_sessions', 'event_outbox'], (name, emptied) =>
  verificationSessionRepositoryContract(`SqlVerificationSessionRepository on ${name}`, async () => {
    const db = await emptied();
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
  }),
);
