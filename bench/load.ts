/**
 * The load generator: autocannon (closed loop — each of `connections` keep-alive connections sends its next
 * request as soon as the previous answer arrived), with latency percentiles computed here from every response's
 * own sub-millisecond time (autocannon's histogram keeps whole milliseconds, too coarse for a 1–3 ms overhead).
 */
import autocannon from 'autocannon';

export interface LoadRequest {
  readonly url: string;
  readonly method: 'GET' | 'POST';
  readonly headers?: Record<string, string>;
  readonly body?: Buffer;
}

export interface LoadOptions {
  readonly connections: number;
  /** Measured seconds. */
  readonly seconds: number;
  /** Unmeasured seconds before (connections, JIT, caches). @default 0 */
  readonly warmupSeconds?: number;
  /** Called after the warm-up, just before the measured run (to read counters). */
  readonly beforeMeasure?: () => Promise<void>;
}

export interface LoadResult {
  /** Successful (2xx) responses in the measured run. */
  readonly ok: number;
  /** Non-2xx responses, connection errors and timeouts. */
  readonly failed: number;
  readonly seconds: number;
  /** 2xx responses per second. */
  readonly throughput: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly meanMs: number;
  /** Status codes seen, with counts (to explain failures). */
  readonly statuses: Record<string, number>;
}

/** The value at quantile `q` (0..1) of ascending sorted values (nearest rank). */
export function quantile(sorted: Float64Array | readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1];
}

type Client = unknown;

async function runOnce(request: LoadRequest, connections: number, seconds: number, record: boolean) {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  // Without a callback autocannon returns its event emitter, made thenable with the result.
  const instance = autocannon({
    url: request.url,
    method: request.method,
    headers: request.headers,
    body: request.body,
    connections,
    duration: seconds,
    timeout: 30,
  }) as Promise<autocannon.Result> & NodeJS.EventEmitter;
  // autocannon emits (client, statusCode, bytes, responseTimeMs) per response.
  instance.on('response', (_client: Client, statusCode: number, _bytes: number, responseTime: number) => {
    if (!record) return;
    statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
    if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
  });
  const result = await instance;
  return { latencies, statuses, result };
}

export async function runLoad(request: LoadRequest, options: LoadOptions): Promise<LoadResult> {
  if (options.warmupSeconds) await runOnce(request, options.connections, options.warmupSeconds, false);
  await options.beforeMeasure?.();
  const { latencies, statuses, result } = await runOnce(request, options.connections, options.seconds, true);
  const sorted = Float64Array.from(latencies).sort();
  const ok = sorted.length;
  const failed = result.non2xx + result.errors + result.timeouts;
  // autocannon's own measured duration (seconds).
  const seconds = result.duration > 0 ? result.duration : options.seconds;
  return {
    ok,
    failed,
    seconds,
    throughput: ok / seconds,
    p50Ms: quantile(sorted, 0.5),
    p99Ms: quantile(sorted, 0.99),
    meanMs: ok ? sorted.reduce((sum, value) => sum + value, 0) / ok : Number.NaN,
    statuses,
  };
}
