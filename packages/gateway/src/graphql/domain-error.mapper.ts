import type { Result } from '@facegate/domain';
import type { GraphQLError } from 'graphql/index.js';
import { badUserInput, conflict, forbidden, notFound, rateLimited, upstreamUnavailable } from './errors';

/**
 * Turns what a use case returned (its Result error) or threw (an infrastructure fault with a known `code`)
 * into a client-facing GraphQLError. Matching is on the errors' literal `code`, so it holds across package
 * copies. Anything unknown is rethrown and masked by yoga.
 */
export function toRequestError(error: unknown): GraphQLError {
  const e = error as { code?: unknown; message?: string } & Record<string, unknown>;
  switch (e?.code) {
    case 'INVALID_INPUT':
    case 'IDENTITY_INVALID':
      return badUserInput(
        String(e.field ?? 'input'),
        String(e.rule ?? 'INVALID'),
        String(e.message ?? 'invalid input'),
        typeof e.messageZh === 'string' ? { messageZh: e.messageZh } : {},
      );
    case 'CONSENT_REQUIRED':
      // rule and reason both name it: clients tell it from other input errors by either
      return badUserInput('consent', 'CONSENT_REQUIRED', String(e.message), {
        reason: 'CONSENT_REQUIRED',
        currentVersion: typeof e.currentVersion === 'string' ? e.currentVersion : null,
        consentKind: e.kind,
      });
    case 'MINOR_NEEDS_GUARDIAN':
      return badUserInput('idCardNumber', 'MINOR_NEEDS_GUARDIAN', String(e.message), {
        reason: 'MINOR_NEEDS_GUARDIAN',
        messageZh: e.messageZh,
      });
    case 'CONSENT_VERSION_EXISTS':
      return conflict(String(e.message), { reason: 'CONSENT_VERSION_EXISTS' });
    case 'SESSION_NOT_FOUND':
      return notFound();
    case 'WEBHOOK_NOT_FOUND':
      return notFound(String(e.message));
    case 'WEBHOOK_CONFLICT':
      return conflict(String(e.message));
    case 'API_KEY_GRANT':
      return forbidden(String(e.message), { scopes: Array.isArray(e.scopes) ? [...e.scopes] : [] });
    case 'INVALID_STATE':
      return conflict(String(e.message), { status: e.status });
    case 'EVIDENCE_ALREADY_USED':
      return conflict('this verification result has already been used', { reason: 'EVIDENCE_ALREADY_USED' });
    case 'EVIDENCE_IN_PROGRESS':
      return conflict('this verification result is being confirmed by another request; try again shortly', {
        reason: 'EVIDENCE_IN_PROGRESS',
        retryable: true,
      });
    case 'LOGIN_REFUSED':
      switch (e.refusal) {
        case 'RATE_LIMITED':
          return rateLimited(60);
        case 'USER_BLOCKED':
          return forbidden('WeChat refused this user (high risk)');
        default:
          return upstreamUnavailable('WeChat refused the login', {
            upstreamCode: typeof e.upstreamCode === 'number' ? e.upstreamCode : null,
            retryable: false,
          });
      }
    case 'ATTEMPT_NOT_FINISHED':
      return conflict(String(e.message), { reason: 'NOT_FINISHED', retryable: true });
    case 'RATE_LIMITED':
      return rateLimited(typeof e.retryAfterSeconds === 'number' ? e.retryAfterSeconds : 60);
    case 'UPSTREAM_REJECTED':
      return upstreamUnavailable('WeChat refused to prepare the verification', {
        upstreamCode: typeof e.upstreamCode === 'number' ? e.upstreamCode : null,
        retryable: false,
      });
    case 'UPSTREAM_UNAVAILABLE':
      return upstreamUnavailable();
    case 'UPSTREAM_PROTOCOL':
      return upstreamUnavailable('WeChat answered unexpectedly; try again shortly');
    default:
      throw error;
  }
}

/** A use case's or service's Result: its value, or its expected failure thrown as a request error. */
export function unwrap<T>(result: Result<T, { readonly code: string }>): T {
  if (result.ok) return result.value;
  throw toRequestError(result.error);
}

/** Known infrastructure faults thrown by use cases become request errors; the rest propagate (masked). */
export async function mapThrown<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const code = (error as { code?: unknown })?.code;
    if (code === 'UPSTREAM_UNAVAILABLE' || code === 'UPSTREAM_PROTOCOL') throw toRequestError(error);
    throw error;
  }
}
