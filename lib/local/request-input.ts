/**
 * Request input in the local servers, read without trusting it. Whatever a request listener throws — at once, or
 * in the promise of an async listener — ends the process, and with it `npm start` and every agency in it: a
 * malformed target, a malformed percent-escape or a body the client abandons is the caller's error, answered as the
 * stood-in service would answer it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The request target as a URL, or undefined when the URL parser refuses it (`GET http://[x`, `GET //[x`). */
export function requestUrl(request: IncomingMessage): URL | undefined {
  try {
    return new URL(request.url ?? '/', 'http://local');
  } catch {
    return undefined;
  }
}

/** Percent-decoded text, or undefined when an escape does not decode to UTF-8 (`%E0%A4%A`). */
export function percentDecoded(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/**
 * A request listener that cannot end the process: what `serve` throws or rejects with is answered by `fail` — or,
 * once the answer has begun or the client has gone (an abandoned body rejects the read), the connection is closed.
 */
export function guardedListener(
  serve: (request: IncomingMessage, response: ServerResponse) => void | Promise<void>,
  fail: (response: ServerResponse) => void,
): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    const failed = () => {
      try {
        if (response.headersSent || response.destroyed) response.destroy();
        else fail(response);
      } catch {
        response.destroy();
      }
    };
    try {
      Promise.resolve(serve(request, response)).catch(failed);
    } catch {
      failed();
    }
  };
}
