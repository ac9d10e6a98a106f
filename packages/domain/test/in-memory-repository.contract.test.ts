import { InMemoryVerificationSessionRepository } from '@facegate/domain/testing';
import { verificationSessionRepositoryContract } from '@facegate/domain/testing/repository-contract';

verificationSessionRepositoryContract('InMemoryVerificationSessionRepository', async () => ({
  repo: new InMemoryVerificationSessionRepository(),
  close: async () => {},
}));
