import { type AppRecord, type AppStore, UpstreamUnavailableError } from '@facegate/domain';
import { describe, expect, it } from 'vitest';
import { AppCatalog } from '../src/application/apps/app-catalog';
import type { ConfiguredApp } from '../src/config/apps-file';

const NOW = new Date('2026-01-01T00:00:00Z');
const configured = (id: string, appId: string, secret: string | null): ConfiguredApp => ({
  id,
  appId,
  displayName: id,
  protocols: ['V2'],
  disabled: false,
  secretSource: { kind: 'ENV', variable: 'X' },
  overrides: {},
  origin: 'FILE',
  createdAt: NOW,
  updatedAt: NOW,
  secret,
});
const stored = (id: string, appId: string): AppRecord => {
  const { secret: _s, ...record } = configured(id, appId, null);
  return { ...record, origin: 'DATABASE', secretSource: { kind: 'STORED' } };
};

function catalogOf(apps: ConfiguredApp[], rows: AppRecord[]) {
  const created: string[] = [];
  const warnings: string[] = [];
  const store = {
    list: async () => rows,
    storedSecret: async () => 'sealed-secret',
  } as unknown as AppStore;
  const catalog = new AppCatalog<{ app: string; secret: string }>({
    configured: apps,
    store,
    clients: {
      create: (app, secret) => {
        created.push(app.id);
        return { app: app.id, secret };
      },
      close: async () => {},
    },
    logger: { warn: (_o, msg) => warnings.push(msg), info: () => {} },
  });
  return { catalog, created, warnings };
}

describe('AppCatalog', () => {
  it('serves each app with its own client; an app without a secret is listed, serves nobody, and is unavailable', async () => {
    const { catalog, created } = catalogOf(
      [configured('default', 'wx_a', 'secret-a'), configured('card', 'wx_c', null)],
      [stored('retail', 'wx_r')],
    );
    await catalog.refresh();
    expect(created).toEqual(['default', 'retail']);
    expect(catalog.forApp('retail')).toEqual({ app: 'retail', secret: 'sealed-secret' });
    expect(catalog.resolve('wx_c')).toBeNull();
    expect(catalog.describe().find((a) => a.id === 'card')).toMatchObject({ serving: false });
    expect(() => catalog.forApp('card')).toThrow(UpstreamUnavailableError);
    expect(() => catalog.forApp('gone')).toThrow(UpstreamUnavailableError);
    await catalog.close();
  });

  it('a database row with a configured id or appid is not served: the configuration wins, once in the log', async () => {
    const { catalog, warnings } = catalogOf(
      [configured('card', 'wx_c', 'secret-c')],
      [stored('card', 'wx_other'), stored('copy', 'wx_c')],
    );
    await catalog.refresh();
    await catalog.refresh();
    expect(catalog.list().map((a) => [a.id, a.appId])).toEqual([['card', 'wx_c']]);
    expect(warnings).toHaveLength(2);
    await catalog.close();
  });
});
