import type { StartAdmissionLimits } from '../abuse/abuse-rules.js';
import type { VerificationAlternative } from '../privacy/alternative.js';
import type { App } from './app.js';

/** Where an app differs from the deployment's defaults; every field absent = the default. */
export interface AppOverrides {
  /** The other way to verify offered in this app's mini program (FACEGATE_ALTERNATIVE otherwise). */
  readonly alternative?: VerificationAlternative;
  /** This app's users' start limits (FACEGATE_RATE_LIMIT_* otherwise). */
  readonly limits?: Partial<StartAdmissionLimits>;
  /** Days after which this app's ended sessions are redacted (FACEGATE_RETENTION_DAYS otherwise), 1-3650. */
  readonly retentionDays?: number;
}

/**
 * Where an app's WeChat secret comes from: an environment variable it names (the secret never reaches the
 * database), or stored sealed with the secret keyring (`facegate apps add --secret-stdin`).
 */
export type AppSecretSource =
  | { readonly kind: 'ENV'; readonly variable: string }
  | { readonly kind: 'STORED' };

/** Where an app is defined: the database (CLI, console), FACEGATE_APPS_FILE, WECHAT_APP_ID, or sandbox mode. */
export type AppOrigin = 'DATABASE' | 'FILE' | 'ENVIRONMENT' | 'SANDBOX';

export interface AppRecord extends App {
  readonly secretSource: AppSecretSource;
  readonly overrides: AppOverrides;
  readonly origin: AppOrigin;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface NewApp {
  readonly id: string;
  readonly appId: string;
  readonly displayName: string;
  readonly protocols: App['protocols'];
  readonly overrides?: AppOverrides;
  /** ENV: the variable's name; STORED: the secret itself, sealed by the store before it is written. */
  readonly secret:
    | { readonly kind: 'ENV'; readonly variable: string }
    | { readonly kind: 'STORED'; readonly value: string };
  readonly now: Date;
}

export interface AppChange {
  readonly appId?: string;
  readonly displayName?: string;
  readonly protocols?: App['protocols'];
  readonly overrides?: AppOverrides;
  readonly secret?: NewApp['secret'];
  readonly disabled?: boolean;
}

/**
 * The apps managed at run time (`facegate apps`, the console), kept in the database; those from the apps file
 * and the environment are not stored here. Slugs and appids are unique.
 */
export interface AppStore {
  list(): Promise<AppRecord[]>;
  /** Throws AppExistsError when the slug or the appid is taken. */
  add(app: NewApp): Promise<AppRecord>;
  /** Null when there is no such app. Throws AppExistsError when a new appid is taken. */
  update(id: string, change: AppChange, now: Date): Promise<AppRecord | null>;
  /** A STORED secret, unsealed; null for an ENV one or a missing app. */
  storedSecret(id: string): Promise<string | null>;
}

export class AppExistsError extends Error {
  readonly code = 'APP_EXISTS' as const;
  constructor(readonly field: 'id' | 'appId') {
    super(field === 'id' ? 'an app with this id exists' : 'another app has this appid');
    this.name = 'AppExistsError';
  }
}
