import { percent } from '../format';
import { graphql } from '../graphql';
import { useQuery } from '../use-query';
import { filingShare } from './privacy-logic';
import { usePrivacyI18n } from './privacy-texts';

const QUERY = graphql('query ConsoleFilingThreshold { systemStatus { distinctPeople filingThreshold } }');

/** Distinct people processed (counted before redaction) beside the 100,000 filing threshold. */
export function FilingThreshold() {
  const { p, lang } = usePrivacyI18n();
  const { data, error } = useQuery(QUERY, {});
  const s = data?.systemStatus;
  const number = new Intl.NumberFormat(lang);
  if (error) return <p class="error">{error.message}</p>;
  if (!s) return null;
  const share = filingShare(s.distinctPeople, s.filingThreshold);
  return (
    <div class="filing" data-testid="filing">
      <h3>{p('filingThreshold')}</h3>
      <dl class="facts">
        <dt>{p('distinctPeople')}</dt>
        <dd data-testid="distinct-people">{number.format(s.distinctPeople)}</dd>
        <dt>{p('filingThreshold')}</dt>
        <dd data-testid="filing-threshold">
          {number.format(s.filingThreshold)} ({percent(share)})
        </dd>
      </dl>
      {share === 1 && (
        <p class="warning-banner" role="alert" data-testid="filing-reached">
          {p('filingReached')}
        </p>
      )}
      <p class="note">{p('filingNote')}</p>
    </div>
  );
}
