/**
 * Opmon records as CloudWatch Embedded Metric Format: one log line per message, carrying the whole record (X-Road's
 * PR-OPMON fields, plus `Client`, `Service` and `Outcome`) for Logs Insights and `sild monitor --aws`, and only the
 * metrics the alarms and the dashboard read (issue 25) — each custom metric costs $0.30 a month, so none grows with
 * the ecosystem:
 * - `Messages`, `Failures`, `LayerFaults`, `Duration` by `service`, `Gateway`, `Side` (2 sides × 4 = 8 metrics);
 * - `Messages` by `service`, `Gateway`, `Outcome`, only for the outcomes the `ConsumerServerErrorRate` alarm counts
 *   (`Server.ClientProxy.InternalError` and the consumer's layer faults: at most 6 metrics, emitted only when one
 *   happens).
 * Per client and per service there are no metrics (300 client subsystems made ≈ 2,000 custom metrics, ≈ $600 a
 * month): that detail is in the line, for Logs Insights (`stats count(*) by Client, Service`) and `sild monitor`.
 * The line is built here rather than with Powertools Metrics, which gives every metric every dimension set: EMF allows
 * several metric directives per line, each with its own dimensions
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
 * In Lambda the line goes to stdout, which CloudWatch Logs ingests and turns into metrics; locally it goes to a file.
 * No DynamoDB write, no network call on the hot path.
 */
import type { CanaryResult } from '../core/exchange/canary';
import { isKnownErrorType } from '../core/kernel/errors';
import type { OpmonRecord } from '../core/exchange/opmon';
import type { OperationalMonitor } from '../core/exchange/ports';

export const OPMON_NAMESPACE = 'Sild';

/** The value of the `service` dimension every metric carries (Powertools' name for it, kept for the alarms). */
export const OPMON_SERVICE = 'sild-gateway';

/** The X-Road error types that say the gateway itself fails (not the client, not the backend). */
export const LAYER_FAULTS = ['LoggingFailed', 'SigningFailed', 'DatabaseError', 'TimestampingFailed', 'OutdatedGlobalConf'] as const;

/**
 * The outcomes with a `Messages` metric of their own: the consumer side's own 5xx answers, which its
 * `ConsumerServerErrorRate` alarm counts among the consumer's messages.
 */
export const ALARMED_OUTCOMES: readonly string[] = ['InternalError', ...LAYER_FAULTS].map((code) => `Server.ClientProxy.${code}`);

type Unit = 'Count' | 'Milliseconds' | 'Seconds' | 'Percent';
interface MetricDirective {
  readonly Namespace: string;
  readonly Dimensions: string[][];
  readonly Metrics: { Name: string; Unit: Unit }[];
}

const BY_SIDE: MetricDirective = {
  Namespace: OPMON_NAMESPACE,
  Dimensions: [['service', 'Gateway', 'Side']],
  Metrics: [
    { Name: 'Messages', Unit: 'Count' },
    { Name: 'Failures', Unit: 'Count' },
    { Name: 'LayerFaults', Unit: 'Count' },
    { Name: 'Duration', Unit: 'Milliseconds' },
  ],
};
const BY_OUTCOME: MetricDirective = {
  Namespace: OPMON_NAMESPACE,
  Dimensions: [['service', 'Gateway', 'Outcome']],
  Metrics: [{ Name: 'Messages', Unit: 'Count' }],
};

export class EmfOperationalMonitor implements OperationalMonitor {
  constructor(
    private readonly gatewayId: string,
    /** Receives each EMF line (JSON, no newline). */
    private readonly sink: (line: string) => void,
  ) {}

  record(record: OpmonRecord): void {
    const side = record.securityServerType === 'Client' ? 'consumer' : 'provider';
    const outcome = outcomeOf(record.faultCode);
    this.sink(
      JSON.stringify({
        _aws: { Timestamp: record.responseOutTs, CloudWatchMetrics: ALARMED_OUTCOMES.includes(outcome) ? [BY_SIDE, BY_OUTCOME] : [BY_SIDE] },
        service: OPMON_SERVICE,
        Gateway: this.gatewayId,
        Side: side,
        // For Logs Insights: only what the gateway established, never what a request merely claimed (the provider side
        // is open to the internet).
        Service: record.identified ? serviceOf(record) : UNIDENTIFIED,
        Client: record.identified ? clientOf(record) : UNIDENTIFIED,
        Outcome: outcome,
        Messages: 1,
        Failures: record.succeeded ? 0 : 1,
        // The faults that mean the gateway itself is failing (its log, its key, its store, its sealing): an alarm.
        LayerFaults: isLayerFault(record.faultCode, side) ? 1 : 0,
        Duration: record.responseOutTs - record.requestInTs,
        ...record,
      }),
    );
  }
}

/** The canary's figures as one EMF line (by gateway): what the canary alarms watch. */
export function canaryLine(gatewayId: string, result: CanaryResult, nowMs: number): string {
  const { globalConfAgeSeconds, globalConfAgePercent, sealLagSeconds, sessionValiditySeconds } = result.figures;
  // Metrics: what the alarms (failures, seal lag, configuration age) and the dashboard (session validity) read; the
  // configuration's age in seconds is a field of the line only.
  const figures: [name: string, unit: Unit, value: number | undefined][] = [
    ['CanaryFailures', 'Count', result.ok ? 0 : 1],
    ['GlobalConfAgePercent', 'Percent', globalConfAgePercent],
    ['SealLagSeconds', 'Seconds', sealLagSeconds],
    ['SessionValiditySeconds', 'Seconds', sessionValiditySeconds],
  ];
  const present = figures.filter((figure): figure is [string, Unit, number] => figure[2] !== undefined);
  return JSON.stringify({
    _aws: {
      Timestamp: nowMs,
      CloudWatchMetrics: [
        { Namespace: OPMON_NAMESPACE, Dimensions: [['service', 'Gateway']], Metrics: present.map(([Name, Unit]) => ({ Name, Unit })) },
      ],
    },
    service: OPMON_SERVICE,
    Gateway: gatewayId,
    ...Object.fromEntries(present.map(([name, , value]) => [name, value])),
    GlobalConfAgeSeconds: globalConfAgeSeconds,
    canary: JSON.stringify({ exchange: result.exchange, status: result.health.status }),
  });
}

/** The dimension value of a request whose client and service were not established. */
export const UNIDENTIFIED = 'unidentified';

/** `ok`, an X-Road error type this layer knows, or `other` (a provider gateway's answer may name any type). */
export function outcomeOf(faultCode: string | undefined): string {
  if (faultCode === undefined) return 'ok';
  return isKnownErrorType(faultCode) ? faultCode : 'other';
}

/** `INST/CLASS/CODE/SUB/SERVICE`, or `-` when the request named none. */
export function serviceOf(
  record: Pick<OpmonRecord, 'serviceXRoadInstance' | 'serviceMemberClass' | 'serviceMemberCode' | 'serviceSubsystemCode' | 'serviceCode'>,
): string {
  return record.serviceCode === undefined
    ? '-'
    : [record.serviceXRoadInstance, record.serviceMemberClass, record.serviceMemberCode, record.serviceSubsystemCode, record.serviceCode].join('/');
}

/** `INST/CLASS/CODE[/SUB]`, or `-`. */
export function clientOf(
  record: Pick<OpmonRecord, 'clientXRoadInstance' | 'clientMemberClass' | 'clientMemberCode' | 'clientSubsystemCode'>,
): string {
  return record.clientMemberCode === undefined
    ? '-'
    : [record.clientXRoadInstance, record.clientMemberClass, record.clientMemberCode, record.clientSubsystemCode]
        .filter((part) => part !== undefined)
        .join('/');
}

/**
 * A layer fault of this side: a consumer relays the provider's `Server.ServerProxy.LoggingFailed` as the provider's,
 * and its own alarm must not page this agency for it (nor the provider's for the consumer's `Server.ClientProxy.*`).
 */
export function isLayerFault(faultCode: string | undefined, side: 'consumer' | 'provider'): boolean {
  const prefix = side === 'consumer' ? 'Server.ClientProxy.' : 'Server.ServerProxy.';
  return faultCode !== undefined && LAYER_FAULTS.some((fault) => faultCode === `${prefix}${fault}`);
}

/** Lambda: the EMF line to stdout (CloudWatch Logs). */
export const lambdaOpmonSink = (line: string): void => void process.stdout.write(`${line}\n`);
