export const percent = (value: number | null | undefined) =>
  value === null || value === undefined ? '—' : `${(value * 100).toFixed(1)}%`;

export const seconds = (value: number | null | undefined) =>
  value === null || value === undefined
    ? '—'
    : value < 60
      ? `${value.toFixed(1)} s`
      : `${(value / 60).toFixed(1)} min`;
