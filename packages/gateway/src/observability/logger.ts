import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger };

/**
 * Paths that could hold personal data or credentials, wherever they turn up in a log object. Mutation
 * variables are never logged at all (see the request logging plugin); this is the second line of defence.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-api-key"]',
  'variables',
  '*.variables',
  '*.name',
  'idCardNumber',
  '*.idCardNumber',
  '*.*.idCardNumber',
  'verifyResult',
  '*.verifyResult',
  'verifyId',
  '*.verifyId',
  'sessionKey',
  '*.sessionKey',
  'session_key',
  '*.session_key',
  'accessToken',
  '*.accessToken',
  'access_token',
  '*.access_token',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'appSecret',
  '*.appSecret',
];

export function createLogger(options: { level?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      name: 'facegate',
      level: options.level ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { service: 'facegate-gateway' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination,
  );
}
