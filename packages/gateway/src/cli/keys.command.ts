import { ApiKeyService } from '../auth/api-key.service';
import { loadConfig } from '../config';
import { buildContainer, disposeContainer, TOKENS } from '../di/container';
import { createLogger } from '../observability/logger';
import { out, UsageError } from './output';

const USAGE =
  'usage: facegate keys create --name NAME --scopes verifications:read,verifications:write,webhooks:write | keys list | keys revoke ID_OR_PREFIX';

/** Service API keys in the gateway's database (run it with the same DATABASE_URL / DATA_DIR as the server). */
export async function keysCommand(
  args: { positionals: string[]; name?: string; scopes?: string },
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const [sub, target] = args.positionals;
  if (sub !== 'create' && sub !== 'list' && sub !== 'revoke') throw new UsageError(USAGE);
  if (sub === 'create' && (!args.name || !args.scopes)) throw new UsageError(USAGE);
  if (sub === 'revoke' && !target) throw new UsageError(USAGE);
  const scopes = sub === 'create' ? ApiKeyService.parseScopes(args.scopes!) : [];

  const config = loadConfig(env);
  const container = await buildContainer(config, {
    databaseOnly: true,
    logger: createLogger({ level: 'warn' }),
  });
  try {
    const keys = container.resolve<ApiKeyService>(TOKENS.ApiKeys);
    switch (sub) {
      case 'create': {
        const { key, record } = await keys.create(args.name!, scopes);
        out(
          `Created API key "${record.name}" (id ${record.id}, prefix ${record.prefix}, scopes ${record.scopes.join(',')}).`,
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
            `${k.id}  ${k.prefix}  ${k.name}  ${k.scopes.join(',')}  created ${k.createdAt.toISOString()}  ${state}`,
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
    await disposeContainer(container);
  }
}
