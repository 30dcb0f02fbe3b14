/**
 * Child processes of the benchmark: the emulators (`bench/emulators.ts`, a JSON line on stdout), the gateways and
 * the backend (`fork` with an IPC channel and a small request/reply protocol). Every child is registered so it is
 * killed when the benchmark exits, fails or is interrupted; each child also exits by itself when its parent goes
 * away (stdin closes or the IPC channel disconnects).
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { REPO_ROOT } from './paths';

const children = new Set<ChildProcess>();

function killAll(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}
process.once('exit', killAll);

/** In the benchmark's main process: Ctrl-C or SIGTERM kills every child before exiting. */
export function killChildrenOnSignals(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAll();
      process.exit(130);
    });
  }
}

/** Node flags that load TypeScript through tsx (the benchmark runs from source, like `npm start`). */
const TSX_FLAGS = ['--import', 'tsx'];

function track(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => children.delete(child));
}

/** Stops a child politely (SIGTERM), then forcefully after `graceMs`. */
export function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** A running `bench/emulators.ts` and the endpoints it printed. */
export interface EmulatorChild<T> {
  readonly process: ChildProcess;
  readonly endpoints: T;
  /** Sends one command line and resolves with the next JSON line it answers. */
  command<R>(command: Record<string, unknown>): Promise<R>;
}

/** Spawns a TypeScript entry that prints one JSON line when ready and answers JSON commands line by line. */
export async function spawnJsonLineChild<T>(entry: string, args: string[] = [], timeoutMs = 30_000): Promise<EmulatorChild<T>> {
  const child = spawn(process.execPath, [...TSX_FLAGS, entry, ...args], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  track(child);
  const lines = createInterface({ input: child.stdout! });
  const waiting: ((line: string) => void)[] = [];
  lines.on('line', (line) => waiting.shift()?.(line));
  const nextLine = () =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${entry} did not answer within ${timeoutMs} ms`)), timeoutMs);
      const onExit = () => reject(new Error(`${entry} exited (code ${child.exitCode}, signal ${child.signalCode})`));
      child.once('exit', onExit);
      waiting.push((line) => {
        clearTimeout(timer);
        child.off('exit', onExit);
        resolve(line);
      });
    });
  const endpoints = JSON.parse(await nextLine()) as T;
  return {
    process: child,
    endpoints,
    command: async <R>(command: Record<string, unknown>) => {
      const answer = nextLine();
      child.stdin!.write(`${JSON.stringify(command)}\n`);
      return JSON.parse(await answer) as R;
    },
  };
}

/** A forked TypeScript child with request/reply messaging. */
export interface IpcChild {
  readonly process: ChildProcess;
  request<R>(type: string, payload?: unknown): Promise<R>;
  /** What the child wrote on stderr, when captured: line count and the most frequent lines (numbers masked). */
  stderr(): StderrSummary;
}

export interface StderrSummary {
  readonly lines: number;
  readonly top: readonly { readonly line: string; readonly count: number }[];
  /** The last lines as written (to explain a crash). */
  readonly tail: readonly string[];
}

/** Counts a child's stderr lines by shape (timestamps and numbers masked) instead of printing them. */
function captureStderr(child: ChildProcess): () => StderrSummary {
  const counts = new Map<string, number>();
  const tail: string[] = [];
  let lines = 0;
  createInterface({ input: child.stderr! }).on('line', (line) => {
    lines += 1;
    const shape = line
      .replace(/"timestamp":"[^"]*"/g, '"timestamp":"…"')
      .replace(/\d+/g, '#')
      .slice(0, 300);
    counts.set(shape, (counts.get(shape) ?? 0) + 1);
    tail.push(line);
    if (tail.length > 20) tail.shift();
  });
  return () => ({
    lines,
    top: [...counts.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([line, count]) => ({ line, count })),
    tail: [...tail],
  });
}

interface Reply {
  readonly replyTo: number;
  readonly ok: boolean;
  readonly value?: unknown;
  readonly error?: string;
}

export interface ForkOptions {
  /** Keep the child's stdout (else discarded). */
  readonly inheritStdout?: boolean;
  /** @default 60 000 */
  readonly timeoutMs?: number;
  /** Extra Node flags, e.g. `--cpu-prof`. */
  readonly nodeFlags?: readonly string[];
  /** Count stderr lines (see `IpcChild.stderr`) instead of passing them through. */
  readonly captureStderr?: boolean;
}

/** Forks a TypeScript entry that serves requests with `serveRequests`. */
export function forkIpcChild(entry: string, options: ForkOptions = {}): IpcChild {
  const child = fork(entry, [], {
    cwd: REPO_ROOT,
    execArgv: [...TSX_FLAGS, ...(options.nodeFlags ?? [])],
    stdio: ['ignore', options.inheritStdout ? 'inherit' : 'ignore', options.captureStderr ? 'pipe' : 'inherit', 'ipc'],
  });
  track(child);
  const stderr = options.captureStderr ? captureStderr(child) : () => ({ lines: 0, top: [], tail: [] });
  let nextId = 1;
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  child.on('message', (message: Reply) => {
    const waiter = pending.get(message.replyTo);
    if (!waiter) return;
    pending.delete(message.replyTo);
    if (message.ok) waiter.resolve(message.value);
    else waiter.reject(new Error(`${entry}: ${message.error}`));
  });
  child.once('exit', (code, signal) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`${entry} exited (code ${code}, signal ${signal})`));
    pending.clear();
  });
  return {
    process: child,
    stderr,
    request: <R>(type: string, payload?: unknown) =>
      new Promise<R>((resolve, reject) => {
        const id = nextId++;
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${entry} did not answer ${type} within ${options.timeoutMs ?? 60_000} ms`));
        }, options.timeoutMs ?? 60_000);
        pending.set(id, {
          resolve: (value) => {
            clearTimeout(timer);
            resolve(value as R);
          },
          reject: (error) => {
            clearTimeout(timer);
            reject(error);
          },
        });
        child.send({ id, type, payload });
      }),
  };
}

/** Child side of `forkIpcChild`: answers requests by type; exits when the parent disconnects. */
export function serveRequests(
  handlers: Record<string, (payload: unknown) => Promise<unknown> | unknown>,
  onDisconnect: () => Promise<void> | void,
): void {
  if (!process.send) throw new Error('This entry runs as a child of bench/run.ts (no IPC channel)');
  const reply = (message: Reply) => process.send!(message);
  process.on('message', async (message: { id: number; type: string; payload?: unknown }) => {
    const handler = handlers[message.type];
    if (!handler) {
      reply({ replyTo: message.id, ok: false, error: `unknown request ${message.type}` });
      return;
    }
    try {
      reply({ replyTo: message.id, ok: true, value: await handler(message.payload) });
    } catch (error) {
      reply({ replyTo: message.id, ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    }
  });
  process.once('disconnect', async () => {
    await onDisconnect();
    process.exit(0);
  });
}

/** CPU time of this process so far, ms (user + system). */
export function cpuMs(): { user: number; system: number } {
  const usage = process.cpuUsage();
  return { user: usage.user / 1000, system: usage.system / 1000 };
}
