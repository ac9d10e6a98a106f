/**
 * An app: one WeChat mini program served by this deployment, with its own appid, secret and approved
 * protocols. Everything a user does belongs to one app: the token from signIn names it, every session records
 * it, and an openid is only meaningful within it (the same string in two apps is two people).
 */
import { InvalidInputError } from '../verification/verification.errors.js';
import { VERIFICATION_PROTOCOLS, type VerificationProtocol } from '../verification/verification.types.js';

/** The app WECHAT_APP_ID / WECHAT_APP_SECRET (or sandbox mode) defines, and the one rows made before apps belong to. */
export const DEFAULT_APP = 'default';

/** An app's FaceGate id: a short slug, used in tokens, sessions, keys, webhooks and metric labels. */
export const APP_SLUG = /^[a-z][a-z0-9-]{0,31}$/;

/** A WeChat appid as WeChat writes it (wx + 16 hex; test and sandbox appids may use more letters and _). */
export const WECHAT_APPID = /^wx[A-Za-z0-9_]{1,40}$/;

export interface App {
  /** The slug ('retail', 'card'). */
  readonly id: string;
  /** The mini program's WeChat appid. */
  readonly appId: string;
  readonly displayName: string;
  /** The flows WeChat approved this mini program for, in order of preference. */
  readonly protocols: readonly VerificationProtocol[];
  /** A disabled app signs nobody in and starts nothing; its sessions stay readable. */
  readonly disabled: boolean;
}

export function isAppSlug(value: unknown): value is string {
  return typeof value === 'string' && APP_SLUG.test(value);
}

export function checkAppSlug(value: unknown, field = 'app'): InvalidInputError | null {
  return isAppSlug(value)
    ? null
    : new InvalidInputError(field, 'APP_ID_FORMAT', 'an app id is 1-32 of [a-z0-9-], starting with a letter');
}

export function checkWeChatAppId(value: unknown, field = 'appId'): InvalidInputError | null {
  return typeof value === 'string' && WECHAT_APPID.test(value)
    ? null
    : new InvalidInputError(field, 'APPID_FORMAT', 'a WeChat appid starts with wx (e.g. wx1234567890abcdef)');
}

export function checkProtocols(value: readonly unknown[], field = 'protocols'): InvalidInputError | null {
  const known = value.every((p) => VERIFICATION_PROTOCOLS.includes(p as VerificationProtocol));
  return value.length > 0 && known && new Set(value).size === value.length
    ? null
    : new InvalidInputError(field, 'PROTOCOLS_INVALID', 'protocols: one or both of LEGACY, V2, each once');
}

/** The app named (by slug or by WeChat appid) is not served here, or is disabled. */
export const unknownAppError = (field = 'app') =>
  new InvalidInputError(
    field,
    'APP_UNKNOWN',
    'no such app is served here (or it is disabled)',
    '未找到该小程序',
  );

/**
 * The apps this deployment serves, as the use cases see them: read from the apps file, the environment and
 * the database by the gateway. Lookups are synchronous: the directory is held in memory and refreshed.
 */
export interface AppDirectory {
  /** By slug, disabled apps included. */
  get(id: string): App | null;
  /** By slug or by WeChat appid (what a mini program knows of itself); enabled apps only. */
  resolve(slugOrAppId: string): App | null;
  /** Every app, disabled ones included, by slug. */
  list(): readonly App[];
}

/** A directory over a fixed list (tests, and the gateway's snapshot of its configuration). */
export class StaticAppDirectory implements AppDirectory {
  private readonly bySlug: ReadonlyMap<string, App>;
  private readonly byAppId: ReadonlyMap<string, App>;

  constructor(apps: readonly App[]) {
    this.bySlug = new Map(apps.map((a) => [a.id, a]));
    this.byAppId = new Map(apps.map((a) => [a.appId, a]));
  }

  get(id: string): App | null {
    return this.bySlug.get(id) ?? null;
  }

  resolve(slugOrAppId: string): App | null {
    const app = this.bySlug.get(slugOrAppId) ?? this.byAppId.get(slugOrAppId) ?? null;
    return app && !app.disabled ? app : null;
  }

  list(): readonly App[] {
    return [...this.bySlug.values()].sort((a, b) => a.id.localeCompare(b.id));
  }
}

/** A caller limited to some apps (an API key, a webhook endpoint); null = every app. */
export type AppScope = readonly string[] | null;

export function inAppScope(scope: AppScope, app: string): boolean {
  return scope === null || scope.includes(app);
}
