import type { ApiError } from '../api';
import { type ErrorKind, errorKind } from '../errors';
import { type MessageKey, useI18n } from '../i18n';

const MESSAGE: Record<ErrorKind, MessageKey> = {
  network: 'errorNetwork',
  unauthorized: 'errorUnauthorized',
  forbidden: 'errorForbidden',
  rateLimited: 'errorRateLimited',
  server: 'errorServer',
  badInput: 'errorBadInput',
  notFound: 'errorNotFound',
  conflict: 'errorConflict',
  unknown: 'errorUnknown',
};

/**
 * A failed request as an operator reads it: one translated line for its kind, and Retry when the page can send
 * it again (a query's reload). The raw message never reaches the page; `data-code` keeps the code for tests.
 */
export function ErrorNotice(props: { error: ApiError; onRetry?: () => void; testId?: string }) {
  const { t } = useI18n();
  const kind = errorKind(props.error);
  return (
    <div
      class="error-notice"
      role="alert"
      data-testid={props.testId ?? 'error'}
      data-kind={kind}
      data-code={props.error.code}
    >
      <span class="error">{t(MESSAGE[kind])}</span>
      {props.onRetry && (
        <button type="button" data-testid="retry" onClick={props.onRetry}>
          {t('retry')}
        </button>
      )}
    </div>
  );
}
