/**
 * `sild monitor`: operational monitoring per client and service — count, errors by type, p50/p95 duration, bytes —
 * from the gateway's opmon records (`lambdas/core/exchange/opmon.ts`): locally from the runtime's files, in AWS from the
 * functions' CloudWatch Logs with Logs Insights. One summary for both: the sources only fetch records.
 *
 * Only established ids name a row: requests the gateway never identified (anyone may send anything to a provider
 * API) count together under `(unidentified)`, whatever they claimed. Every value is printed escaped (`printable`):
 * error types come from peer gateways, and records of older versions may carry claimed ids.
 */
import { CloudWatchLogsClient, GetQueryResultsCommand, StartQueryCommand } from '@aws-sdk/client-cloudwatch-logs';
import { clientOf, serviceOf, UNIDENTIFIED } from '../lambdas/adapters/emf-operational-monitor';
import type { OpmonRecord } from '../lambdas/core/exchange/opmon';
import { readOpmonLines } from '../lib/local/opmon-files';
import type { Output } from './commands';
import { CliError } from './log-target';
import { printable } from './printable';

/** The client and service of a row of requests whose client and service were never established. */
export const UNIDENTIFIED_ROW = `(${UNIDENTIFIED})`;

/** Where records come from: those whose answer went out at or after `sinceMs`. */
export interface OpmonSource {
  records(sinceMs: number): Promise<OpmonRecord[]>;
}

export interface MonitorFilter {
  readonly sinceMs: number;
  readonly client?: string;
  readonly service?: string;
}

export interface MonitorRow {
  readonly side: 'consumer' | 'provider';
  readonly client: string;
  readonly service: string;
  readonly count: number;
  /** Failed messages by X-Road error type. */
  readonly errors: Record<string, number>;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly requestBytes: number;
  readonly responseBytes: number;
}

/** Groups records by side, client and service (sorted), with counts, errors, duration percentiles and bytes. */
export function summarize(records: readonly OpmonRecord[], filter: MonitorFilter): MonitorRow[] {
  const groups = new Map<string, OpmonRecord[]>();
  for (const record of records) {
    if (record.responseOutTs < filter.sinceMs) continue;
    // A record without the flag (or with it false) names no one: what it carries was only claimed.
    const identified = record.identified === true;
    const client = identified ? clientOf(record) : UNIDENTIFIED_ROW;
    const service = identified ? serviceOf(record) : UNIDENTIFIED_ROW;
    if ((filter.client && client !== filter.client) || (filter.service && service !== filter.service)) continue;
    const key = JSON.stringify([record.securityServerType, client, service]);
    const group = groups.get(key);
    if (group) group.push(record);
    else groups.set(key, [record]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, group]) => {
      const [type, client, service] = JSON.parse(key) as [OpmonRecord['securityServerType'], string, string];
      const durations = group.map((record) => record.responseOutTs - record.requestInTs).sort((a, b) => a - b);
      // Keyed by error types a peer gateway chose: no prototype, so `__proto__` or `constructor` count like any other.
      const errors: Record<string, number> = Object.create(null);
      for (const record of group) if (!record.succeeded) errors[record.faultCode ?? 'unknown'] = (errors[record.faultCode ?? 'unknown'] ?? 0) + 1;
      return {
        side: type === 'Client' ? 'consumer' : 'provider',
        client,
        service,
        count: group.length,
        errors,
        p50Ms: percentile(durations, 0.5),
        p95Ms: percentile(durations, 0.95),
        requestBytes: group.reduce((sum, record) => sum + record.requestSize, 0),
        responseBytes: group.reduce((sum, record) => sum + record.responseSize, 0),
      };
    });
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
}

export async function monitorCommand(source: OpmonSource, agency: string, filter: MonitorFilter, out: Output): Promise<number> {
  const rows = summarize(await source.records(filter.sinceMs), filter);
  const total = rows.reduce((sum, row) => sum + row.count, 0);
  out.line(
    `${printable(agency)}: ${total} messages since ${new Date(filter.sinceMs).toISOString()}${filter.client ? `, client ${printable(filter.client)}` : ''}${filter.service ? `, service ${printable(filter.service)}` : ''}`,
  );
  if (rows.length === 0) return 0;
  const table = [
    ['side', 'client', 'service', 'count', 'errors', 'p50 ms', 'p95 ms', 'bytes in', 'bytes out'],
    ...rows.map((row) =>
      [
        row.side,
        row.client,
        row.service,
        String(row.count),
        Object.entries(row.errors)
          .map(([type, count]) => `${type} ${count}`)
          .join(', ') || '-',
        String(row.p50Ms),
        String(row.p95Ms),
        String(row.requestBytes),
        String(row.responseBytes),
      ].map(printable),
    ),
  ];
  const widths = table[0].map((_, column) => Math.max(...table.map((line) => line[column].length)));
  for (const line of table)
    out.line(
      line
        .map((cell, column) => cell.padEnd(widths[column]))
        .join('  ')
        .trimEnd(),
    );
  return 0;
}

/** `15m`, `2h`, `1d`, `30s` → milliseconds. */
export function durationMs(text: string): number {
  const match = /^(\d+)\s*(s|m|h|d)$/.exec(text.trim());
  if (!match) throw new CliError(`--since ${text}: give a duration such as 15m, 2h or 1d`);
  return Number(match[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 's' | 'm' | 'h' | 'd'];
}

/** The local runtime's records of one agency. */
export function localOpmonSource(file: string): OpmonSource {
  return { records: async () => readOpmonLines(file).filter(isOpmonRecord) };
}

/**
 * A deployed gateway's records, from its functions' log groups with CloudWatch Logs Insights
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AnalyzingLogData.html): at most 10,000 records per query.
 */
export function awsOpmonSource(
  logGroups: readonly string[],
  client = new CloudWatchLogsClient({}),
  sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms)),
): OpmonSource {
  return {
    records: async (sinceMs) => {
      const { queryId } = await client.send(
        new StartQueryCommand({
          logGroupNames: [...logGroups],
          startTime: Math.floor(sinceMs / 1000),
          endTime: Math.ceil(Date.now() / 1000),
          queryString: 'fields @message | filter ispresent(securityServerType) | sort @timestamp desc | limit 10000',
        }),
      );
      for (;;) {
        const result = await client.send(new GetQueryResultsCommand({ queryId }));
        if (result.status === 'Complete') {
          return (result.results ?? []).flatMap((fields) => {
            const message = fields.find((field) => field.field === '@message')?.value;
            try {
              const record = JSON.parse(message ?? '') as Record<string, unknown>;
              return isOpmonRecord(record) ? [record] : [];
            } catch {
              return [];
            }
          });
        }
        if (result.status !== 'Running' && result.status !== 'Scheduled') throw new CliError(`The Logs Insights query ended ${result.status}`);
        await sleep(1000);
      }
    },
  };
}

function isOpmonRecord(value: Record<string, unknown>): value is Record<string, unknown> & OpmonRecord {
  return (
    (value.securityServerType === 'Client' || value.securityServerType === 'Producer') &&
    typeof value.requestInTs === 'number' &&
    typeof value.responseOutTs === 'number'
  );
}
