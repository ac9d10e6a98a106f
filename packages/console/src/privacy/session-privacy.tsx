import { useState } from 'preact/hooks';
import { ApiError, gql } from '../api';
import { DataTable } from '../components/data-table';
import { graphql } from '../graphql';
import { useQuery } from '../use-query';
import { redactionConfirmed } from './privacy-logic';
import { usePrivacyI18n } from './privacy-texts';
import './privacy.css';

const RECEIPTS = graphql(`query ConsoleSessionReceipts($id: ID!) {
  consoleSession(id: $id) { id consentReceipts { id version acceptedAt guardian withdrawnAt } } }`);
const REDACT = graphql(`mutation ConsoleRedactVerification($id: ID!) {
  redactVerification(id: $id) { id redactedAt } }`);

/** A session's consent receipts (kept after redaction), and for console:admin the redaction with its confirmation. */
export function SessionPrivacy(props: { id: string; admin: boolean; onRedacted: () => void }) {
  const { p, date } = usePrivacyI18n();
  const { data, error, reload } = useQuery(RECEIPTS, { id: props.id });
  const receipts = data?.consoleSession?.consentReceipts ?? [];
  return (
    <>
      <h3>{p('consentReceipts')}</h3>
      {error && <p class="error">{error.message}</p>}
      {data && receipts.length === 0 && <p data-testid="no-receipts">{p('noReceipts')}</p>}
      {receipts.length > 0 && (
        // the console's table: on a phone each receipt becomes a labelled card instead of scrolling sideways
        <DataTable
          testId="consent-receipts"
          rows={receipts}
          rowAttrs={(r) => ({ 'data-testid': 'consent-receipt', 'data-id': r.id })}
          columns={[
            { label: p('receiptId'), cell: (r) => <code>{r.id}</code> },
            { label: p('version'), cell: (r) => r.version },
            { label: p('acceptedAt'), cell: (r) => date(r.acceptedAt) },
            { label: p('guardian'), cell: (r) => (r.guardian ? p('yes') : p('no')) },
            { label: p('withdrawnAt'), cell: (r) => (r.withdrawnAt ? date(r.withdrawnAt) : '—') },
          ]}
        />
      )}
      {props.admin && (
        <RedactAction
          id={props.id}
          onRedacted={() => {
            reload();
            props.onRedacted();
          }}
        />
      )}
    </>
  );
}

/** Two steps: open, then type the session id; nothing is sent until it matches. */
function RedactAction(props: { id: string; onRedacted: () => void }) {
  const { p, date } = usePrivacyI18n();
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [redactedAt, setRedactedAt] = useState<string | null>(null);
  const confirmed = redactionConfirmed(typed, props.id);

  const submit = async (event: Event) => {
    event.preventDefault();
    if (!confirmed) {
      setProblem(p('redactMismatch'));
      return;
    }
    setBusy(true);
    setProblem(null);
    try {
      const { redactVerification } = await gql(REDACT, { id: props.id });
      setRedactedAt(redactVerification.redactedAt);
      setOpen(false);
      setTyped('');
      props.onRedacted();
    } catch (error) {
      setProblem(error instanceof ApiError ? error.message : String(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="redact" data-testid="redact">
      {redactedAt && (
        <p class="note" data-testid="redacted-notice">
          {p('redacted')} · {p('redactedAt')} {date(redactedAt)}
        </p>
      )}
      {!open && (
        <button type="button" class="danger" data-testid="redact-open" onClick={() => setOpen(true)}>
          {p('redact')}
        </button>
      )}
      {open && (
        <form onSubmit={submit} data-testid="redact-form" autocomplete="off">
          <p class="note">{p('redactNote')}</p>
          <label>
            {p('redactConfirmLabel')} (<code>{props.id}</code>)
            <input
              data-testid="redact-confirm-input"
              value={typed}
              spellcheck={false}
              onInput={(e) => setTyped((e.target as HTMLInputElement).value)}
            />
          </label>
          <button type="submit" class="danger" disabled={busy || !confirmed} data-testid="redact-confirm">
            {p('redactConfirm')}
          </button>
          <button
            type="button"
            onClick={() => {
              setOpen(false);
              setTyped('');
              setProblem(null);
            }}
          >
            {p('cancel')}
          </button>
          {problem && (
            <p class="error" data-testid="redact-error">
              {problem}
            </p>
          )}
        </form>
      )}
    </div>
  );
}
