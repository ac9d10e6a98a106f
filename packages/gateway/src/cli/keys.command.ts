import { DataDirInUseError } from '@facegate/adapters-postgres';
import { auditedKeys } from '../application/audit/audited-administration';
import { type ApiKeyInputFailure, ApiKeyService } from '../application/auth/api-key.service';
import { API_KEY_SCOPES } from '../application/auth/viewer';
import { buildContainer, disposeContainer } from '../composition/container';
import { TOKENS } from '../composition/tokens';
import { describeDatabase, loadConfig } from '../config/load-config';
import { createLogger } from '../infrastructure/observability/logger';
import {
  AdminEndpointClient,
  AdminEndpointError,
  type KeyAdministration,
  readAdminFile,
} from './admin-client';
import { out, UsageError } from './output';

const USAGE = `usage: facegate keys create --name NAME --scopes SCOPE,... [--apps APP,...] | keys list | keys revoke ID_OR_PREFIX
scopes: ${API_KEY_SCOPES.join(', ')} (keys:admin is root: its key may create keys with any scope)`;

/**
 * Service API keys in the gateway's database (the same DATABASE_URL / DATA_DIR as the server). When a
 * running gateway holds the embedded database, the command goes through that gateway's admin endpoint.
 */
export async function keysCommand(
  args: { positionals: string[]; name?: string; scopes?: string; apps?: string },
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const [sub, target] = args.positionals;
  if (sub !== 'create' && sub !== 'list' && sub !== 'revoke') throw new UsageError(USAGE);
  if (sub === 'create' && (!args.name || !args.scopes)) throw new UsageError(USAGE);
  if (sub === 'revoke' && !target) throw new UsageError(USAGE);
  const parsed = sub === 'create' ? ApiKeyService.parseScopes(args.scopes!) : null;
  if (parsed !== null && !parsed.ok) throw new UsageError(keyInputSentence(parsed.error));
  const scopes = parsed?.value ?? [];
  const apps =
    args.apps === undefined
      ? null
      : args.apps
          .split(',')
          .map((a) => a.trim())
          .filter((a) => a !== '');
  if (apps !== null && apps.length === 0)
    throw new UsageError('--apps: one or more app ids, comma-separated');

  const config = loadConfig(env);
  let keys: KeyAdministration;
  let release = async () => {};
  try {
    const container = await buildContainer(config, {
      databaseOnly: true,
      logger: createLogger({ level: 'warn' }),
    });
    // each change recorded in the audit trail as cli:<user>, written when the command ends
    keys = auditedKeys(container.resolve(TOKENS.ApiKeys), container.resolve(TOKENS.Audit));
    release = () => disposeContainer(container);
    out(`Database: ${describeDatabase(config)}`);
  } catch (error) {
    if (!(error instanceof DataDirInUseError)) throw error;
    const admin = await readAdminFile(config.dataDir);
    if (admin === null) {
      throw new AdminEndpointError(
        `${error.message} (it publishes no admin endpoint in ${config.dataDir}; stop it to manage keys)`,
      );
    }
    keys = new AdminEndpointClient(admin);
    out(`Database: ${describeDatabase(config)}, through the running gateway (process ${admin.pid})`);
  }
  try {
    switch (sub) {
      case 'create': {
        const created = await keys.create(args.name!, scopes, apps);
        if (!created.ok) throw new UsageError(keyInputSentence(created.error));
        const { key, record } = created.value;
        out(
          `Created API key "${record.name}" (id ${record.id}, prefix ${record.prefix}, scopes ${record.scopes.join(',')}, apps ${record.apps?.join(',') ?? 'all'}).`,
        );
        out('The key is shown only now; store it safely:');
        out(key);
        return 0;
      }
      case 'list': {
        const all = await keys.list();
        if (all.length === 0)
          out('No API keys. Create one with: facegate keys create --name NAME --scopes ...');
        for (const k of all) {
          const state = k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : 'active';
          out(
            `${k.id}  ${k.prefix}  ${k.name}  ${k.scopes.join(',')}  apps ${k.apps?.join(',') ?? 'all'}  created ${k.createdAt.toISOString()}  ${state}`,
          );
        }
        return 0;
      }
      default: {
        const revoked = await keys.revoke(target!);
        out(revoked ? `Revoked ${target}.` : `No active key with id or prefix ${target}.`);
        return revoked ? 0 : 1;
      }
    }
  } finally {
    await release();
  }
}

/** Bad input to `keys create`, said with the flag that gave it. */
function keyInputSentence(failure: ApiKeyInputFailure): string {
  switch (failure.reason) {
    case 'NAME_LENGTH':
      return 'the key needs a name of 1-100 characters (--name)';
    case 'SCOPES_REQUIRED':
      return `give at least one scope (--scopes): ${API_KEY_SCOPES.join(', ')}`;
    case 'SCOPE_UNKNOWN':
      return `unknown scope "${failure.scope}" (--scopes); known: ${API_KEY_SCOPES.join(', ')}`;
    case 'APPS_INVALID':
    case 'APPS_BEYOND':
      return `--apps: ${failure.message}`;
  }
}
