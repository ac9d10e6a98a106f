import { useEffect, useState } from 'preact/hooks';
import { type ApiError, gql, toApiError } from './api';
import type { TadaDocumentNode } from './graphql';

export interface QueryState<T> {
  data: T | null;
  error: ApiError | null;
  loading: boolean;
  reload: () => void;
}

/** Runs a query whenever its variables change; the latest answer wins. A null query sends nothing. */
export function useQuery<Result, Variables>(
  query: TadaDocumentNode<Result, Variables> | null,
  variables: Variables,
): QueryState<Result> {
  const [state, setState] = useState<{ data: Result | null; error: ApiError | null; loading: boolean }>({
    data: null,
    error: null,
    loading: query !== null,
  });
  const [tick, setTick] = useState(0);
  const key = JSON.stringify(variables);
  // the variables are compared by value (key), so a new object with the same values does not refetch
  useEffect(() => {
    if (query === null) return;
    let current = true;
    // a retry clears the last error, so the page shows it is loading again
    setState((s) => ({ ...s, error: null, loading: true }));
    gql(query, variables).then(
      (data) => current && setState({ data, error: null, loading: false }),
      (error: unknown) =>
        current &&
        setState({
          data: null,
          error: toApiError(error),
          loading: false,
        }),
    );
    return () => {
      current = false;
    };
  }, [query, key, tick]);
  return { ...state, reload: () => setTick((n) => n + 1) };
}
