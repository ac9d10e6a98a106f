/** A bad or missing setting. The message is one line, names the variable and never echoes a secret. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID' as const;
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}
const NODE_ENVS = ['production', 'development', 'test'] as const;

export type Env = Readonly<Record<string, string | undefined>>;

/** Empty strings count as unset, so `FOO= facegate` behaves like no FOO at all. */
export function read(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

export function readPort(env: Env, name: string, fallback: number): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d{1,5}$/.test(raw) || Number(raw) > 65535) {
    throw new ConfigError(name, `must be a port number 0-65535, got "${raw}"`);
  }
  return Number(raw);
}

export function readPositiveInt(env: Env, name: string, fallback: number): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) <= 0) {
    throw new ConfigError(name, `must be a positive whole number, got "${raw}"`);
  }
  return Number(raw);
}

export function readBounded(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = readPositiveInt(env, name, fallback);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}`);
  return value;
}

export function readBoolean(env: Env, name: string): boolean {
  const raw = read(env, name)?.toLowerCase();
  if (raw === undefined || raw === 'false' || raw === '0') return false;
  if (raw === 'true' || raw === '1') return true;
  throw new ConfigError(name, `must be "true" or "false", got "${raw}"`);
}

export function readNonNegativeInt(env: Env, name: string, fallback: number, max: number): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d{1,9}$/.test(raw) || Number(raw) > max) {
    throw new ConfigError(name, `must be a whole number 0-${max}, got "${raw}"`);
  }
  return Number(raw);
}

/** A value as shown in an error: quoted, escaped, bounded, so the message stays one line. */
function shown(raw: string): string {
  return JSON.stringify(raw.length > 64 ? `${raw.slice(0, 64)}...` : raw);
}

/** NODE_ENV: production, development, test or unset; a misspelling would silently run development mode. */
export function readProduction(env: Env): boolean {
  const raw = read(env, 'NODE_ENV');
  if (raw === undefined) return false;
  if (!(NODE_ENVS as readonly string[]).includes(raw)) {
    throw new ConfigError(
      'NODE_ENV',
      `must be production, development or test (or unset), got ${shown(raw)}: anything else would run development mode (GraphiQL, introspection, 100 times the abuse limits)`,
    );
  }
  return raw === 'production';
}

/** FACEGATE_WEBHOOK_ALLOWED_PORTS: "443,8443"; undefined when unset. */
export function readPortList(env: Env, name: string): number[] | undefined {
  const raw = read(env, name);
  if (raw === undefined) return undefined;
  const ports: number[] = [];
  for (const part of raw.split(',').map((p) => p.trim())) {
    if (!/^\d{1,5}$/.test(part) || Number(part) < 1 || Number(part) > 65535) {
      throw new ConfigError(
        name,
        `must be a comma-separated list of ports 1-65535 such as 443,8443, got ${shown(raw)}`,
      );
    }
    if (!ports.includes(Number(part))) ports.push(Number(part));
  }
  return ports;
}
