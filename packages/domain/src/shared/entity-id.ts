/** The longest id (of a session, an endpoint, a delivery, an API key) anything is stored under. */
export const MAX_ENTITY_ID_LENGTH = 128;

/**
 * Whether `id` could name a stored entity: no id is empty or longer than MAX_ENTITY_ID_LENGTH, and PostgreSQL
 * text cannot hold NUL. An id failing this names nothing, so it is never looked up.
 */
export function isEntityId(id: string): boolean {
  return id.length > 0 && id.length <= MAX_ENTITY_ID_LENGTH && !id.includes('\u0000');
}

/** What to tell a client whose `field` fails isEntityId. */
export const entityIdMessage = (field: string): string =>
  `${field} must be 1-${MAX_ENTITY_ID_LENGTH} characters`;
