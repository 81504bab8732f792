/**
 * A request body that may not exceed a number of bytes, counted as it streams. `Content-Length`
 * is only a claim: a chunked upload declares no length at all, and reading it whole before
 * checking its size let a 300 MB body grow the server by 1.5 GB. Counting the bytes as they
 * arrive stops reading at the limit, whatever the client declared, so the memory an upload can
 * take is bounded by the limit.
 */

export class BodyTooLargeError extends Error {
  override readonly name = "BodyTooLargeError";
  constructor(readonly limitBytes: number) {
    super(`The request body is larger than ${limitBytes} bytes.`);
  }
}

export interface BoundedBody {
  /** The body, erroring with {@link BodyTooLargeError} once more than `maxBytes` have passed. */
  stream: ReadableStream<Uint8Array>;
  /** Whether the body went over the limit (so a failure to read it means "too large", not "malformed"). */
  exceeded(): boolean;
}

export function boundedBody(body: ReadableStream<Uint8Array>, maxBytes: number): BoundedBody {
  let seen = 0;
  let over = false;
  const stream = body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        if (seen > maxBytes) {
          over = true;
          // Erroring the stream cancels the source: nothing more is read from the client.
          controller.error(new BodyTooLargeError(maxBytes));
          return;
        }
        controller.enqueue(chunk);
      },
    }),
  );
  return { stream, exceeded: () => over };
}

/**
 * `request` with its body bounded to `maxBytes`: the same method, URL and headers, so
 * `formData()` parses it as before, but it fails (and {@link BoundedBody.exceeded} says so) as
 * soon as the limit is passed.
 */
export function withBoundedBody(request: Request, maxBytes: number): { request: Request; exceeded: () => boolean } {
  if (!request.body) return { request, exceeded: () => false };
  const bounded = boundedBody(request.body, maxBytes);
  // `duplex: "half"` is how Node's fetch accepts a streamed request body; the DOM typings lack it.
  const init: RequestInit & { duplex: "half" } = { method: request.method, headers: request.headers, body: bounded.stream, duplex: "half" };
  return { request: new Request(request.url, init), exceeded: bounded.exceeded };
}
