import { DataDirInUseError } from '@facegate/adapters-postgres';
import type { WebhookDeliveryStatus } from '@facegate/domain';
import { auditedWebhooks } from '../application/audit/audited-administration';
import { operatorWebhooks, type WebhookAdministration } from '../application/webhooks/webhook-administration';
import type { WebhookError, WebhookResult } from '../application/webhooks/webhook-endpoints.service';
import { buildContainer, disposeContainer } from '../composition/container';
import { TOKENS } from '../composition/tokens';
import { loadConfig } from '../config/load-config';
import { createLogger } from '../infrastructure/observability/logger';
import { AdminEndpointError, AdminWebhookClient, readAdminFile } from './admin-client';
import { out, UsageError } from './output';

const USAGE = `usage: facegate webhooks add --url URL --events verification.verified,verification.failed [--description TEXT] [--apps APP,...]
       facegate webhooks list
       facegate webhooks rotate ENDPOINT_ID
       facegate webhooks disable ENDPOINT_ID
       facegate webhooks enable ENDPOINT_ID
       facegate webhooks delete ENDPOINT_ID
       facegate webhooks deliveries ENDPOINT_ID [--status PENDING|DELIVERED|FAILED]
       facegate webhooks redeliver DELIVERY_ID`;

const SUBCOMMANDS = [
  'add',
  'list',
  'rotate',
  'disable',
  'enable',
  'delete',
  'deliveries',
  'redeliver',
] as const;
const STATUSES = ['PENDING', 'DELIVERED', 'FAILED'] as const;

/**
 * Webhook endpoints in the gateway's database (run it with the same DATABASE_URL / DATA_DIR as the server).
 * The CLI runs as the server's operator: it reaches every endpoint, whichever API key created it (also those of
 * a revoked key), and what it adds belongs to 'cli' (no API key manages it; the console's admins do). When a
 * running gateway holds the embedded database, the command goes through that gateway's admin endpoint, with
 * the same output and exit codes.
 */
export async function webhooksCommand(
  args: {
    positionals: string[];
    url?: string;
    events?: string;
    description?: string;
    status?: string;
    apps?: string;
  },
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const [sub, target] = args.positionals;
  if (!(SUBCOMMANDS as readonly string[]).includes(sub ?? '')) throw new UsageError(USAGE);
  if (sub === 'add' && (!args.url || !args.events)) throw new UsageError(USAGE);
  if (sub !== 'add' && sub !== 'list' && !target) throw new UsageError(USAGE);
  const status = args.status?.toUpperCase();
  if (status !== undefined && !(STATUSES as readonly string[]).includes(status)) {
    throw new UsageError('--status must be PENDING, DELIVERED or FAILED');
  }

  const config = loadConfig(env);
  let webhooks: WebhookAdministration;
  let release = async () => {};
  try {
    const container = await buildContainer(config, {
      databaseOnly: true,
      logger: createLogger({ level: 'warn' }),
    });
    // each change recorded in the audit trail as cli:<user>, written when the command ends
    webhooks = auditedWebhooks(
      operatorWebhooks(container.resolve(TOKENS.WebhookEndpoints)),
      container.resolve(TOKENS.Audit),
    );
    release = () => disposeContainer(container);
  } catch (error) {
    if (!(error instanceof DataDirInUseError)) throw error;
    const admin = await readAdminFile(config.dataDir);
    if (admin === null) {
      throw new AdminEndpointError(
        `${error.message} (it publishes no admin endpoint in ${config.dataDir}; stop it to manage webhooks)`,
      );
    }
    webhooks = new AdminWebhookClient(admin);
  }
  try {
    switch (sub) {
      case 'add': {
        const { endpoint, secret } = done(
          await webhooks.add({
            url: args.url!,
            events: args.events!.split(','),
            description: args.description ?? '',
            apps: args.apps === undefined ? null : args.apps.split(',').map((a) => a.trim()),
          }),
        );
        out(
          `Created webhook endpoint ${endpoint.id} -> ${endpoint.url} (${endpoint.events.join(',')}; apps ${endpoint.apps?.join(',') ?? 'all'}).`,
        );
        out('The signing secret is shown only now; store it safely:');
        out(secret);
        return 0;
      }
      case 'list': {
        const all = await webhooks.list();
        if (all.length === 0)
          out('No webhook endpoints. Add one with: facegate webhooks add --url URL --events ...');
        for (const e of all) {
          const state = e.enabled ? 'enabled' : `disabled (${e.disabledReason ?? 'MANUAL'})`;
          const failing = e.failingSince ? `  failing since ${e.failingSince.toISOString()}` : '';
          out(`${e.id}  ${e.url}  ${e.events.join(',')}  ${state}${failing}  owner ${e.createdBy}`);
        }
        return 0;
      }
      case 'rotate': {
        const { endpoint, secret } = done(await webhooks.rotate(target!));
        out(
          `Rotated the secret of ${endpoint.id}; the previous one also signs until ${endpoint.previousSecretExpiresAt?.toISOString()}.`,
        );
        out('The new signing secret is shown only now; store it safely:');
        out(secret);
        return 0;
      }
      case 'disable': {
        const endpoint = done(await webhooks.setEnabled(target!, false));
        out(`Disabled ${endpoint.id}.`);
        return 0;
      }
      case 'enable': {
        const endpoint = done(await webhooks.setEnabled(target!, true));
        out(`Enabled ${endpoint.id}.`);
        return 0;
      }
      case 'delete': {
        done(await webhooks.delete(target!));
        out(`Deleted ${target} and its delivery history.`);
        return 0;
      }
      case 'deliveries': {
        const deliveries = done(
          await webhooks.deliveries(target!, (status as WebhookDeliveryStatus | undefined) ?? null),
        );
        if (deliveries.length === 0) out('No deliveries.');
        for (const d of deliveries) {
          const answer = d.lastStatusCode !== null ? `HTTP ${d.lastStatusCode}` : (d.lastError ?? '-');
          out(
            `${d.id}  ${d.eventType}  ${d.sessionId}  ${d.status}  attempts ${d.attempts}  ${answer}  ${d.createdAt.toISOString()}`,
          );
        }
        return 0;
      }
      default: {
        const delivery = done(await webhooks.redeliver(target!));
        out(`Queued ${delivery.id} for delivery again.`);
        return 0;
      }
    }
  } catch (error) {
    if (!(error instanceof WebhookRefusal)) throw error;
    const failure = error.failure;
    // bad input is a usage error (exit 2); an unknown id or a conflict is the operation's refusal (exit 1)
    if (failure.code === 'INVALID_INPUT') throw new UsageError(`${failure.field}: ${failure.message}`);
    process.stderr.write(`facegate: ${failure.message}\n`);
    return 1;
  } finally {
    await release();
  }
}

/** Carries an operation's expected failure out of the switch above, to be rendered by its code. */
class WebhookRefusal extends Error {
  constructor(readonly failure: WebhookError) {
    super(failure.message);
  }
}

function done<T>(result: WebhookResult<T>): T {
  if (!result.ok) throw new WebhookRefusal(result.error);
  return result.value;
}
