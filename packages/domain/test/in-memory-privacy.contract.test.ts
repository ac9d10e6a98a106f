import {
  InMemoryConsentReceipts,
  InMemoryConsentTexts,
  InMemoryVerificationSessionRepository,
} from '@facegate/domain/testing';
import { privacyPortsContract } from '@facegate/domain/testing/privacy-ports-contract';

privacyPortsContract('the in-memory privacy fakes', async () => ({
  texts: new InMemoryConsentTexts(),
  receipts: new InMemoryConsentReceipts(),
  sessions: new InMemoryVerificationSessionRepository(),
  close: async () => {},
}));
