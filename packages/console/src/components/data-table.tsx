import type { ComponentChildren } from 'preact';

/** What a row or a cell may carry besides its content: a class, a tooltip, a click, data-* for tests. */
type Attributes = { class?: string; title?: string | undefined; onClick?: () => void } & Record<
  `data-${string}`,
  string | number | undefined
>;

export interface Column<Row> {
  /** The header, and the label a cell carries when a narrow screen stacks the row into a card. */
  label: string;
  cell: (row: Row) => ComponentChildren;
  /** Extra attributes of this column's cells (a test id, a class). */
  attrs?: (row: Row) => Attributes;
}

/**
 * Every table of the console. On a wide screen a plain table; below 960px (styles.css) each row becomes a card
 * whose cells are labelled from `data-label`, so a phone never scrolls sideways or cuts a column off. A new page
 * (an audit log, a session's consent receipts) describes its columns and gets both layouts.
 */
export function DataTable<Row>(props: {
  columns: Column<Row>[];
  rows: readonly Row[];
  testId: string;
  rowAttrs?: (row: Row) => Attributes;
}) {
  return (
    <table class="data-table" data-testid={props.testId}>
      <thead>
        <tr>
          {props.columns.map((c) => (
            <th scope="col">{c.label}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {props.rows.map((row) => (
          <tr {...(props.rowAttrs?.(row) ?? {})}>
            {props.columns.map((c) => (
              <td data-label={c.label} {...(c.attrs?.(row) ?? {})}>
                {/* one box per cell, so the stacked layout puts the label beside all of it */}
                <div class="cell">{c.cell(row)}</div>
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
