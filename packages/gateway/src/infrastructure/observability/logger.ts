import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger };

/**
 * No generic redaction pass (it walks every logged object on every line): each log call names its fields,
 * and none of them carries personal data or a credential (mutation variables, headers and query text are
 * never logged; a test reads every line of a full flow for the identity, tokens and keys). Epoch
 * milliseconds, not an ISO string, for the time.
 */
export function createLogger(options: { level?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      name: 'facegate',
      level: options.level ?? 'info',
      base: { service: 'facegate-gateway' },
      timestamp: pino.stdTimeFunctions.epochTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination,
  );
}
