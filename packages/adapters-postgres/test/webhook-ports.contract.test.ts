import { webhookPortsContract } from '@facegate/domain/testing/webhook-ports-contract';
import { afterAll } from 'vitest';
import {
  AesGcmFieldCipher,
  type Database,
  SqlOutboxPruner,
  SqlWebhookDeliveryLog,
  SqlWebhookDeliveryQueue,
  SqlWebhookEndpointRepository,
} from '../src/index';
import { appendOutboxEvent } from '../src/testing';
import { allHarnesses, openMigrated } from './support/drivers';
import { TEST_KEY } from './support/session-mother';

// The domain's webhook contract suite, the same one its in-memory fakes pass, on every driver.
const harnesses = await allHarnesses({ disk: false });
const cipher = new AesGcmFieldCipher(TEST_KEY);

for (const harness of harnesses) {
  // one database per driver, emptied before each test
  let opened: Promise<Database> | undefined;
  const database = () => {
    opened ??= openMigrated(harness);
    return opened;
  };

  webhookPortsContract(`the SQL webhook adapters on ${harness.name}`, async () => {
    const db = await database();
    await db.exec(
      'DELETE FROM webhook_attempts; DELETE FROM webhook_deliveries; DELETE FROM webhook_endpoints; DELETE FROM event_outbox;',
    );
    return {
      endpoints: new SqlWebhookEndpointRepository(db, cipher),
      queue: new SqlWebhookDeliveryQueue(db, cipher),
      log: new SqlWebhookDeliveryLog(db),
      outbox: new SqlOutboxPruner(db),
      appendOutboxEvent: (event) => appendOutboxEvent(db, event),
      close: async () => {},
    };
  });

  afterAll(async () => {
    if (opened !== undefined) await (await opened).close();
    await harness.destroy();
  });
}
