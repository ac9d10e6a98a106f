import { createGraphQLError, type Plugin } from 'graphql-yoga';

/**
 * FACEGATE_MAX_BODY_BYTES, enforced without yoga's streamed limit (which wraps every request body in a
 * new stream, Request and AbortController: about half of yoga's own CPU per request). A declared
 * Content-Length over the limit is refused before anything is read; a body without one (chunked) is
 * counted while read and cut at the limit. Both answer 413 REQUEST_ENTITY_TOO_LARGE. A body longer than
 * its Content-Length cannot reach here: node's HTTP parser frames the body by that length.
 */
export function bodyLimitPlugin(maxBytes: number): Plugin {
  const tooLarge = () =>
    createGraphQLError('Request body size is too large', {
      extensions: { http: { status: 413 }, code: 'REQUEST_ENTITY_TOO_LARGE' },
    });
  return {
    onRequestParse({ request, requestParser, setRequestParser }) {
      if (requestParser === undefined || request.body === null) return;
      const declared = request.headers.get('content-length');
      if (declared !== null) {
        if (Number(declared) > maxBytes) {
          setRequestParser(() => {
            throw tooLarge();
          });
        }
        return;
      }
      setRequestParser(async (original) => {
        const bytes = await readAtMost(original, maxBytes);
        if (bytes === null) throw tooLarge();
        return requestParser(
          new Request(original.url, { method: original.method, headers: original.headers, body: bytes }),
        );
      });
    },
  };
}

/** The body, or null as soon as it passes `maxBytes` (the rest is not read). */
async function readAtMost(request: Request, maxBytes: number): Promise<Uint8Array<ArrayBuffer> | null> {
  const reader = request.body!.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.byteLength;
    if (length > maxBytes) {
      await reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
