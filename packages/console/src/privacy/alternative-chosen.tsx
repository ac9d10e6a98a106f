import { graphql } from '../graphql';
import { type PeriodName, periodOf } from '../period';
import { useQuery } from '../use-query';
import { usePrivacyI18n } from './privacy-texts';

const QUERY =
  graphql(`query ConsoleAlternativeChosen($from: DateTime!, $to: DateTime!, $bucket: ConsoleBucket!, $app: String) {
  consoleOverview(from: $from, to: $to, bucket: $bucket, app: $app) { alternativeChosen } }`);

/** The overview's card: sessions ended because the user chose the other way to verify (of the canceled). */
export function AlternativeChosenCard(props: { period: PeriodName; app: string | null }) {
  const { p } = usePrivacyI18n();
  const { data } = useQuery(QUERY, { ...periodOf(props.period), app: props.app });
  const count = data?.consoleOverview.alternativeChosen;
  return (
    <div class="card alternative-chosen" data-testid="count-alternative-chosen">
      <span class="label">{p('alternativeChosen')}</span>
      <span class="value">{count ?? '…'}</span>
    </div>
  );
}
