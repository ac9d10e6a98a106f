import { InMemoryAuditLog } from '@facegate/domain/testing';
import { auditLogContract } from '@facegate/domain/testing/audit-log-contract';

auditLogContract('the in-memory audit log', async () => ({
  log: new InMemoryAuditLog(),
  close: async () => {},
}));
