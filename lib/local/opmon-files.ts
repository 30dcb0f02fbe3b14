/**
 * The local runtime's opmon sink: each gateway's EMF lines (the same lines a Lambda function writes to CloudWatch
 * Logs) appended to `<dir>/<agency>.jsonl`, which `sild monitor` reads. Writes are buffered (a stream), so the hot
 * path does no synchronous disk I/O.
 */
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface OpmonFiles {
  readonly dir: string;
  fileOf(agency: string): string;
  /** A sink for one agency's lines. */
  sink(agency: string): (line: string) => void;
  /** Flushes and closes every file (and removes a temporary folder). */
  close(): Promise<void>;
}

/** In `stateDir/opmon`, or a temporary folder when the runtime keeps no state. */
export function openOpmonFiles(stateDir?: string): OpmonFiles {
  const temporary = stateDir === undefined;
  const dir = temporary ? mkdtempSync(join(tmpdir(), 'sild-opmon-')) : join(stateDir, 'opmon');
  mkdirSync(dir, { recursive: true });
  const streams: WriteStream[] = [];
  const fileOf = (agency: string) => join(dir, `${agency}.jsonl`);
  return {
    dir,
    fileOf,
    sink: (agency) => {
      const stream = createWriteStream(fileOf(agency), { flags: 'a' });
      streams.push(stream);
      return (line) => void stream.write(`${line}\n`);
    },
    close: async () => {
      await Promise.all(streams.map((stream) => new Promise<void>((resolve) => stream.end(resolve))));
      if (temporary) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The EMF lines of a file, parsed; a missing file has none. */
export function readOpmonLines(file: string): Record<string, unknown>[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return []; // a line being written
      }
    });
}
