import {
  EVERY_ENDPOINT_OWNER,
  type WebhookDelivery,
  type WebhookDeliveryStatus,
  type WebhookEndpoint,
} from '@facegate/domain';
import type { EndpointWithSecret, WebhookEndpointsService } from './webhook-endpoints.service';

/** Who owns what the CLI adds: no API key manages it; the console's admins and the CLI do. */
export const CLI_ENDPOINT_OWNER = 'cli';

/** How many of an endpoint's latest deliveries `facegate webhooks deliveries` shows. */
export const CLI_DELIVERIES_SHOWN = 100;

/**
 * What `facegate webhooks` does, as the server's operator: every endpoint, whichever API key created it. It
 * runs on the database directly, or through the admin endpoint of the gateway that holds the embedded one;
 * both answer with the same values and throw the same errors (WebhookInputError, WebhookNotFoundError,
 * WebhookConflictError).
 */
export interface WebhookAdministration {
  add(input: { url: string; events: readonly string[]; description: string }): Promise<EndpointWithSecret>;
  list(): Promise<WebhookEndpoint[]>;
  rotate(endpointId: string): Promise<EndpointWithSecret>;
  setEnabled(endpointId: string, enabled: boolean): Promise<WebhookEndpoint>;
  delete(endpointId: string): Promise<void>;
  /** The latest CLI_DELIVERIES_SHOWN, newest first. */
  deliveries(endpointId: string, status: WebhookDeliveryStatus | null): Promise<WebhookDelivery[]>;
  redeliver(deliveryId: string): Promise<WebhookDelivery>;
}

/** The operator's webhook administration on the endpoint service (the CLI's own, and the admin endpoint's). */
export function operatorWebhooks(service: WebhookEndpointsService): WebhookAdministration {
  return {
    add: (input) => service.create({ ...input, createdBy: CLI_ENDPOINT_OWNER }),
    list: () => service.list(EVERY_ENDPOINT_OWNER),
    rotate: (id) => service.rotate(id, EVERY_ENDPOINT_OWNER),
    setEnabled: (id, enabled) => service.update(id, { enabled }, EVERY_ENDPOINT_OWNER),
    delete: (id) => service.delete(id, EVERY_ENDPOINT_OWNER),
    deliveries: async (endpointId, status) =>
      (await service.deliveries(endpointId, status, CLI_DELIVERIES_SHOWN, null, EVERY_ENDPOINT_OWNER)).items,
    redeliver: (id) => service.redeliver(id, EVERY_ENDPOINT_OWNER),
  };
}
