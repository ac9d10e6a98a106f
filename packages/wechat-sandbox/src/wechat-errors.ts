import { randomBytes } from 'node:crypto';

/**
 * errcodes the sandbox answers. WeChat's own where WeChat documents one; where its docs are silent the
 * sandbox chose, marked "sandbox choice" (see README "Choices where WeChat is silent").
 */
export const SANDBOX_ERRCODES = {
  SYSTEM_BUSY: -1,
  INVALID_CREDENTIAL: 40001,
  INVALID_GRANT_TYPE: 40002,
  INVALID_OPENID: 40003,
  INVALID_APPID: 40013,
  INVALID_ACCESS_TOKEN: 40014,
  INVALID_CODE: 40029,
  /** sandbox choice: missing or invalid fields, and v2 out_seq_no / cert_hash / openid mismatches. */
  INVALID_ARGS: 40097,
  INVALID_SECRET: 40125,
  CODE_USED: 40163,
  HIGH_RISK_USER: 40226,
  ACCESS_TOKEN_MISSING: 41001,
  APPID_MISSING: 41002,
  SECRET_MISSING: 41004,
  CODE_MISSING: 41008,
  ACCESS_TOKEN_EXPIRED: 42001,
  GET_REQUIRED: 43001,
  POST_REQUIRED: 43002,
  EMPTY_BODY: 44002,
  DAILY_QUOTA: 45009,
  RATE_LIMITED: 45011,
  BAD_DATA_FORMAT: 47001,
  INVALID_IDENTIFY_ID: 84001,
  USER_INFO_EXPIRED: 84002,
  USER_INFO_NOT_FOUND: 84003,
  /** sandbox choice: queryverifyinfo before the device has run the check. */
  VERIFY_NOT_FINISHED: 84005,
} as const;

const ERRMSG: Record<number, string> = {
  [-1]: 'system error',
  40001: 'invalid credential, access_token is invalid or not latest',
  40002: 'invalid grant_type',
  40003: 'invalid openid',
  40013: 'invalid appid',
  40014: 'invalid access_token',
  40029: 'invalid code',
  40097: 'invalid args',
  40125: 'invalid appsecret',
  40163: 'code been used',
  40226: 'high risk user, login blocked',
  41001: 'access_token missing',
  41002: 'appid missing',
  41004: 'appsecret missing',
  41008: 'missing code',
  42001: 'access_token expired',
  43001: 'require GET method',
  43002: 'require POST method',
  44002: 'empty post data',
  45009: 'reach max api daily quota limit',
  45011: 'api minute-quota reach limit mustslower retry next minute',
  47001: 'data format error',
  84001: 'invalid identify id',
  84002: 'user info expired',
  84003: 'user info not exist',
  84005: 'verify not finished',
};

/** A JSON object as read off the wire. */
export type JsonFields = Record<string, unknown>;

/** What WeChat's openids look like; the sandbox accepts any such string as a user. */
export const OPENID_PATTERN = /^[0-9A-Za-z_-]{1,128}$/;

/** Bounds of the settings (shared by the API and the CLI). */
export const SETTING_BOUNDS = { maxTokenTtlSeconds: 7 * 24 * 3600, maxDelayMs: 600_000 } as const;

export interface WeChatAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

const rid = (): string =>
  randomBytes(12)
    .toString('hex')
    .replace(/(.{8})(.{8})(.{8})/, '$1-$2-$3');

/** An error answer as WeChat gives it: HTTP 200, errcode, errmsg ending in a request id. */
export function wechatError(errcode: number, hint?: string): WeChatAnswer {
  const message = ERRMSG[errcode] ?? 'error';
  return {
    status: 200,
    body: { errcode, errmsg: `${message}${hint ? ` hint: [${hint}]` : ''} rid: ${rid()}` },
  };
}

export function wechatOk(fields: Record<string, unknown>, withErrcode = true): WeChatAnswer {
  return { status: 200, body: withErrcode ? { errcode: 0, errmsg: 'ok', ...fields } : fields };
}

/** A programming error by the caller of the sandbox's own control surface (device side, faults). */
export class SandboxInputError extends Error {
  readonly code = 'SANDBOX_BAD_INPUT';
  constructor(message: string) {
    super(message);
    this.name = 'SandboxInputError';
  }
}
