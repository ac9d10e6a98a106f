import { privacyPortsContract } from '@facegate/domain/testing/privacy-ports-contract';
import {
  AesGcmFieldCipher,
  SqlConsentReceipts,
  SqlConsentTexts,
  SqlVerificationSessionRepository,
} from '../src/index';
import { onEveryDriver } from './support/drivers';
import { TEST_KEY } from './support/session-mother';

// The domain's privacy contract suite, the same one its in-memory fakes pass, on every driver.
const cipher = new AesGcmFieldCipher(TEST_KEY);

await onEveryDriver(
  [
    'consent_receipts',
    'consent_texts',
    'people_seen',
    'webhook_deliveries',
    'event_outbox',
    'evidence_claims',
    'verification_sessions',
  ],
  (name, emptied) =>
    privacyPortsContract(`the SQL privacy adapters on ${name}`, async () => {
      const db = await emptied();
      return {
        texts: new SqlConsentTexts(db),
        receipts: new SqlConsentReceipts(db),
        sessions: new SqlVerificationSessionRepository(db, cipher),
        close: async () => {},
      };
    }),
);
