import { userInfo } from 'node:os';
import { type AuditActor, auditTarget } from '@facegate/domain';
import type { ApiKeyService } from '../auth/api-key.service';
import type { WebhookAdministration } from '../webhooks/webhook-administration';
import type { AuditRecorder, AuditSource } from './audit-recorder';

/** The operator at this machine (`facegate` CLI, or the admin endpoint it reaches): `cli:<user>`. */
export function cliActor(): AuditActor {
  let user = 'unknown';
  try {
    user = userInfo().username || user;
  } catch {
    // no passwd entry (some containers): the uid is still a name
    user = typeof process.getuid === 'function' ? `uid-${process.getuid()}` : user;
  }
  return { kind: 'cli', user };
}

const cliSource = (): AuditSource => ({ actor: cliActor(), requestId: null, clientAddress: null });

type KeyOperations = Pick<ApiKeyService, 'create' | 'list' | 'revoke'>;

/** The operator's key administration (CLI, admin endpoint), each change recorded with the `cli:<user>` actor. */
export function auditedKeys(keys: KeyOperations, audit: AuditRecorder): KeyOperations {
  return {
    list: () => keys.list(),
    create: async (name, scopes, apps = null) => {
      const created = await keys.create(name, scopes, apps);
      if (created.ok) {
        const { record } = created.value;
        audit.record(cliSource(), 'api-key.created', [auditTarget('api-key', record.id)], 'success', {
          name: record.name,
          scopes: record.scopes,
          apps: record.apps,
        });
      }
      return created;
    },
    revoke: async (idOrPrefix) => {
      const target = (await keys.list()).find((k) => k.id === idOrPrefix || k.prefix === idOrPrefix);
      const revoked = await keys.revoke(idOrPrefix);
      if (revoked && target !== undefined) {
        audit.record(cliSource(), 'api-key.revoked', [auditTarget('api-key', target.id)]);
      }
      return revoked;
    },
  };
}

/** The operator's webhook administration, each change recorded with the `cli:<user>` actor. */
export function auditedWebhooks(
  webhooks: WebhookAdministration,
  audit: AuditRecorder,
): WebhookAdministration {
  const endpoint = (id: string) => [auditTarget('webhook-endpoint', id)];
  return {
    ...webhooks,
    add: async (input) => {
      const added = await webhooks.add(input);
      if (added.ok) {
        audit.record(cliSource(), 'webhook-endpoint.created', endpoint(added.value.endpoint.id), 'success', {
          events: [...input.events],
          apps: input.apps ?? null,
        });
      }
      return added;
    },
    rotate: async (id) => {
      const rotated = await webhooks.rotate(id);
      if (rotated.ok) audit.record(cliSource(), 'webhook-endpoint.secret-rotated', endpoint(id));
      return rotated;
    },
    setEnabled: async (id, enabled) => {
      const changed = await webhooks.setEnabled(id, enabled);
      if (changed.ok) {
        audit.record(cliSource(), 'webhook-endpoint.changed', endpoint(id), 'success', {
          changed: ['enabled'],
          enabled,
        });
      }
      return changed;
    },
    delete: async (id) => {
      const deleted = await webhooks.delete(id);
      if (deleted.ok) audit.record(cliSource(), 'webhook-endpoint.deleted', endpoint(id));
      return deleted;
    },
    redeliver: async (id) => {
      const redelivered = await webhooks.redeliver(id);
      if (redelivered.ok) {
        audit.record(cliSource(), 'webhook-delivery.redelivered', [
          auditTarget('webhook-delivery', id),
          auditTarget('webhook-endpoint', redelivered.value.endpointId),
        ]);
      }
      return redelivered;
    },
  };
}
