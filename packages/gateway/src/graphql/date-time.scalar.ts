import { GraphQLError, Kind } from 'graphql/index.js';
import { builder } from './builder';

function parse(value: unknown): Date {
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value)) {
    const date = new Date(value);
    if (!Number.isNaN(date.getTime())) return date;
  }
  throw new GraphQLError('DateTime must be an ISO 8601 date-time such as 2025-01-31T08:00:00Z', {
    extensions: { code: 'BAD_USER_INPUT', rule: 'DATE_TIME_FORMAT' },
  });
}

export const DateTimeScalar = builder.scalarType('DateTime', {
  description: 'An ISO 8601 date-time in UTC, e.g. 2025-01-31T08:00:00.000Z',
  serialize: (value) =>
    value instanceof Date ? value.toISOString() : new Date(value as string).toISOString(),
  parseValue: parse,
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) parse(null);
    return parse((ast as { value: string }).value);
  },
});
