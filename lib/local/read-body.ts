/** Reads an HTTP request body for the local servers; undefined when it exceeds `limit` (read to the end anyway). */
import type { IncomingMessage } from 'node:http';

export async function readBody(request: IncomingMessage, limit = Number.POSITIVE_INFINITY): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size <= limit) chunks.push(buffer);
  }
  return size > limit ? undefined : Buffer.concat(chunks);
}
