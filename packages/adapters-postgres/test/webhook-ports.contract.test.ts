import { webhookPortsContract } from '@facegate/domain/testing/webhook-ports-contract';
import {
  AesGcmFieldCipher,
  SqlOutboxPruner,
  SqlWebhookDeliveryLog,
  SqlWebhookDeliveryQueue,
  SqlWebhookEndpointRepository,
} from '../src/index';
import { appendOutboxEvent } from '../src/testing';
import { onEveryDriver } from './support/drivers';
import { TEST_KEY } from './support/session-mother';

// The domain's webhook contract suite, the same one its in-memory fakes pass, on every driver.
const cipher = new AesGcmFieldCipher(TEST_KEY);

await onEveryDriver(
  ['webhook_attempts', 'webhook_deliveries', 'webhook_endpoints', 'event_outbox'],
  (name, emptied) =>
    webhookPortsContract(`the SQL webhook adapters on ${name}`, async () => {
      const db = await emptied();
      return {
        endpoints: new SqlWebhookEndpointRepository(db, cipher),
        queue: new SqlWebhookDeliveryQueue(db, cipher),
        log: new SqlWebhookDeliveryLog(db),
        outbox: new SqlOutboxPruner(db),
        appendOutboxEvent: (event) => appendOutboxEvent(db, event),
        close: async () => {},
      };
    }),
);
