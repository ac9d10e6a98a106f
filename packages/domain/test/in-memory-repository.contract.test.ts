import { InMemoryVerificationSessionRepository } from '@facegate/domain/testing';
import { verificationSessionRepositoryContract } from '@facegate/domain/testing/repository-contract';

verificationSessionRepositoryContract('InMemoryVerificationSessionRepository', async () => {
  const repo = new InMemoryVerificationSessionRepository();
  return { repo, storedEvents: (sessionId) => repo.storedEvents(sessionId), close: async () => {} };
});
