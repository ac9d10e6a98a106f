import { describe, expect, it } from 'vitest';
import { ENV_CONFIGS, envConfigOf, envVersionOf, GATEWAY_URL_OVERRIDE_KEY } from '../src/config/env.config';

const wxIn = (envVersion: string, storage: Record<string, unknown> = {}) => ({
  getAccountInfoSync: () => ({ miniProgram: { envVersion } }),
  getStorageSync: (key: string) => storage[key] ?? '',
});

describe('gateway address per envVersion', () => {
  it.each(['develop', 'trial', 'release'] as const)('%s uses its own gateway', (env) => {
    expect(envConfigOf(wxIn(env)).gatewayUrl).toBe(ENV_CONFIGS[env].gatewayUrl);
  });

  it('uses https outside develop', () => {
    expect(ENV_CONFIGS.trial.gatewayUrl).toMatch(/^https:\/\//);
    expect(ENV_CONFIGS.release.gatewayUrl).toMatch(/^https:\/\//);
  });

  it('lets develop builds point elsewhere through storage, never trial or release', () => {
    const storage = { [GATEWAY_URL_OVERRIDE_KEY]: 'http://10.0.0.2:4000/graphql' };
    expect(envConfigOf(wxIn('develop', storage)).gatewayUrl).toBe('http://10.0.0.2:4000/graphql');
    expect(envConfigOf(wxIn('trial', storage)).gatewayUrl).toBe(ENV_CONFIGS.trial.gatewayUrl);
    expect(envConfigOf(wxIn('release', storage)).gatewayUrl).toBe(ENV_CONFIGS.release.gatewayUrl);
  });

  it('falls back to release when the environment cannot be read', () => {
    expect(envVersionOf({ getAccountInfoSync: () => ({ miniProgram: { envVersion: 'weird' } }) })).toBe(
      'release',
    );
    expect(
      envVersionOf({
        getAccountInfoSync: () => {
          throw new Error('not supported');
        },
      }),
    ).toBe('release');
  });
});
