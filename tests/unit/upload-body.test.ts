import { describe, expect, it } from "vitest";
import { MAX_UPLOAD_BODY_BYTES, readUploadForm } from "@/app/api/import/upload-request";
import { AppError } from "@/lib/errors";
import { boundedBody, BodyTooLargeError } from "@/lib/http/bounded-body";

/**
 * The upload size limit holds whatever the client declares: a chunked body (no Content-Length)
 * is counted as it streams and refused as soon as it passes the limit, without reading the rest.
 */
const CHUNK = 64 * 1024;
const BOUNDARY = "----bounded";

/** A multipart body of about `totalBytes`, produced on demand; `pulled()` says how much was read. */
function multipartSource(totalBytes: number) {
  const head = new TextEncoder().encode(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="mode"\r\n\r\npreview\r\n--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\nContent-Type: text/csv\r\n\r\nmrn\r\n`);
  const tail = new TextEncoder().encode(`\r\n--${BOUNDARY}--\r\n`);
  const filler = new TextEncoder().encode("A-1\r\n".repeat(CHUNK / 5));
  let pulled = 0;
  let sentHead = false;
  let done = false;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (!sentHead) {
        sentHead = true;
        pulled += head.length;
        controller.enqueue(head);
      } else if (pulled + filler.length + tail.length < totalBytes) {
        pulled += filler.length;
        controller.enqueue(filler);
      } else if (!done) {
        done = true;
        pulled += tail.length;
        controller.enqueue(tail);
        controller.close();
      }
    },
  }, { highWaterMark: 0 });
  return { stream, pulled: () => pulled };
}

function uploadRequest(body: ReadableStream<Uint8Array>, headers: Record<string, string> = {}): Request {
  const init: RequestInit & { duplex: "half" } = { method: "POST", body, duplex: "half", headers: { "content-type": `multipart/form-data; boundary=${BOUNDARY}`, ...headers } };
  return new Request("http://127.0.0.1/api/import/assessments", init);
}

describe("reading an upload within the size limit", () => {
  it("a chunked body (no Content-Length) over the limit is refused with 413 after reading no more than the limit", async () => {
    const source = multipartSource(3 * MAX_UPLOAD_BODY_BYTES);
    const request = uploadRequest(source.stream);
    expect(request.headers.get("content-length")).toBeNull();
    const result = await readUploadForm(request, "file");
    expect(result).toBeInstanceOf(Response);
    const response = result as Response;
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ error: "too_large", message: "The upload is larger than 50.0 MB. Split the file, or import it with the command line." });
    // Reading stopped at the limit (a chunk or two of read-ahead at most), not at 150 MB.
    expect(source.pulled()).toBeGreaterThan(MAX_UPLOAD_BODY_BYTES);
    expect(source.pulled()).toBeLessThanOrEqual(MAX_UPLOAD_BODY_BYTES + 4 * CHUNK);
  });

  it("a declared Content-Length over the limit is refused before reading anything", async () => {
    const source = multipartSource(3 * MAX_UPLOAD_BODY_BYTES);
    const result = await readUploadForm(uploadRequest(source.stream, { "content-length": String(3 * MAX_UPLOAD_BODY_BYTES) }), "file");
    expect((result as Response).status).toBe(413);
    expect(source.pulled()).toBe(0);
  });

  it("a chunked body under the limit is read whole: its fields and file", async () => {
    const source = multipartSource(1024 * 1024);
    const result = await readUploadForm(uploadRequest(source.stream), "file");
    expect(result).not.toBeInstanceOf(Response);
    const form = result as Exclude<typeof result, Response>;
    expect(form.fields).toEqual({ mode: "preview" });
    expect(form.files).toHaveLength(1);
    expect(form.files[0]!.name).toBe("big.csv");
    expect(form.files[0]!.content.subarray(0, 5).toString()).toBe("mrn\r\n");
    expect(form.files[0]!.size).toBeGreaterThan(900 * 1024);
  });

  it("a body that is not multipart is refused as invalid, not as too large", async () => {
    const body = new Blob(["not a form"]).stream();
    await expect(readUploadForm(uploadRequest(body), "file")).rejects.toSatisfy((error: unknown) => error instanceof AppError && error.code === "invalid");
  });

  it("boundedBody passes a body at the limit and errors one byte over", async () => {
    const exact = boundedBody(new Blob([new Uint8Array(1000)]).stream(), 1000);
    expect((await new Response(exact.stream).arrayBuffer()).byteLength).toBe(1000);
    expect(exact.exceeded()).toBe(false);
    const over = boundedBody(new Blob([new Uint8Array(1001)]).stream(), 1000);
    await expect(new Response(over.stream).arrayBuffer()).rejects.toBeInstanceOf(BodyTooLargeError);
    expect(over.exceeded()).toBe(true);
  });
});
