import { isSpanContextValid, trace } from '@opentelemetry/api';
import { type DestinationStream, type Logger, pino } from 'pino';
import { tracingRegistered } from './tracing';

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
      // with tracing on, a line written inside a span names it (trace_id, span_id: what log backends join on)
      ...(tracingRegistered() ? { mixin: traceFields } : {}),
      name: 'facegate',
      level: options.level ?? 'info',
      base: { service: 'facegate-gateway' },
      timestamp: pino.stdTimeFunctions.epochTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination,
  );
}

/** A new object each time: pino merges the line's own fields into what a mixin returns. */
function traceFields(): object {
  const span = trace.getActiveSpan();
  if (span === undefined) return {};
  const spanContext = span.spanContext();
  if (!isSpanContextValid(spanContext)) return {};
  return {
    trace_id: spanContext.traceId,
    span_id: spanContext.spanId,
    trace_flags: `0${spanContext.traceFlags.toString(16)}`,
  };
}
