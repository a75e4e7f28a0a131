// Server-Sent Events as OpenAI streams them: `data: {json}\n\n` per chunk, `data: [DONE]\n\n` at the
// end. The stream reports when the client goes away (the response body is cancelled or the request
// aborted) so the caller can free the sequence's slot at once.

const encoder = new TextEncoder();

export interface SseStream {
  response: Response;
  /** Sends one JSON chunk; a no-op once the stream is closed. */
  send(data: unknown): void;
  /** Sends `data: [DONE]` and closes. */
  done(): void;
  /** Closes without [DONE] (after an error chunk). */
  close(): void;
  readonly closed: boolean;
}

export function createSseStream(signal: AbortSignal, onClientGone: () => void): SseStream {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let closed = false;
  const gone = () => {
    if (closed) return;
    closed = true;
    onClientGone();
  };
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
    cancel: gone,
  });
  signal.addEventListener("abort", gone, { once: true });
  const write = (text: string) => {
    if (closed) return;
    try {
      controller.enqueue(encoder.encode(text));
    } catch {
      gone();
    }
  };
  const end = () => {
    if (closed) return;
    closed = true;
    signal.removeEventListener("abort", gone);
    try {
      controller.close();
    } catch {
      // already errored by a cancelled reader
    }
  };
  return {
    response: new Response(body, {
      headers: { "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache", "X-Accel-Buffering": "no" },
    }),
    send: (data) => write(`data: ${JSON.stringify(data)}\n\n`),
    done: () => {
      write("data: [DONE]\n\n");
      end();
    },
    close: end,
    get closed() {
      return closed;
    },
  };
}
