/**
 * A streamed file download from an async generator of text chunks (CSV, NDJSON). Cancelling the
 * download closes the generator, so its `finally` (the export's audit record) still runs.
 *
 * Before each chunk the stream yields to the event loop: SQLite answers synchronously, so without
 * it a whole export would run as one chain of microtasks and every other request would wait.
 */
export function streamedDownload(chunks: AsyncGenerator<string, unknown>, filename: string, contentType = "text/csv; charset=utf-8"): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      await new Promise((resolve) => setImmediate(resolve));
      const next = await chunks.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    async cancel() {
      await chunks.return(undefined);
    },
  });
  return new Response(body, {
    headers: {
      "Content-Type": contentType,
      "Content-Disposition": `attachment; filename="${filename}"`,
      "Cache-Control": "no-store",
    },
  });
}
