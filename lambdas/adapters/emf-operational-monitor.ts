/**
 * Opmon records as CloudWatch Embedded Metric Format, built with Powertools for AWS Lambda (Metrics): one log line per
 * message carrying the metrics — `Messages`, `Failures`, `Duration`, `RequestBytes`, `ResponseBytes` — by gateway and
 * side, and by gateway with service, with client and with outcome (separate dimension sets, so the metric count grows
 * with services plus clients, not their product), and the whole record beside them for Logs Insights (`sild monitor --aws`).
 * In Lambda the line goes to stdout, which CloudWatch Logs ingests and turns into metrics
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html);
 * locally it goes to a file. No DynamoDB write, no network call on the hot path.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MetricsOptions } from '@aws-lambda-powertools/metrics/types';
import type { CanaryResult } from '../core/exchange/canary';
import { isKnownErrorType } from '../core/kernel/errors';
import type { OpmonRecord } from '../core/exchange/opmon';
import type { OperationalMonitor } from '../core/exchange/ports';

export const OPMON_NAMESPACE = 'Sild';

export class EmfOperationalMonitor implements OperationalMonitor {
  private readonly metrics: Metrics;

  constructor(
    gatewayId: string,
    /** Receives each EMF line (JSON, no newline). */
    private readonly sink: (line: string) => void,
    /** Where Powertools reports a metric CloudWatch would skip. @default console */
    logger?: MetricsOptions['logger'],
  ) {
    this.metrics = new Metrics({
      namespace: OPMON_NAMESPACE,
      serviceName: 'sild-gateway',
      defaultDimensions: { Gateway: gatewayId },
      ...(logger ? { logger } : {}),
    });
  }

  record(record: OpmonRecord): void {
    const side = record.securityServerType === 'Client' ? 'consumer' : 'provider';
    const metrics = this.metrics;
    metrics.setTimestamp(record.responseOutTs);
    // By gateway and side, and by gateway with service, client and outcome (a Lambda function is one side).
    metrics.addDimension('Side', side);
    // Dimension values come only from what the gateway established, never from what a request merely claimed: every
    // distinct value is a custom metric ($0.30 a month), and the provider side is open to the internet.
    metrics.addDimensions({ Service: record.identified ? serviceOf(record) : UNIDENTIFIED });
    metrics.addDimensions({ Client: record.identified ? clientOf(record) : UNIDENTIFIED });
    metrics.addDimensions({ Outcome: outcomeOf(record.faultCode) });
    metrics.addMetric('Messages', MetricUnit.Count, 1);
    metrics.addMetric('Failures', MetricUnit.Count, record.succeeded ? 0 : 1);
    // The faults that mean the gateway itself is failing (its log, its key, its store, its sealing): an alarm each.
    metrics.addMetric('LayerFaults', MetricUnit.Count, isLayerFault(record.faultCode, side) ? 1 : 0);
    metrics.addMetric('Duration', MetricUnit.Milliseconds, record.responseOutTs - record.requestInTs);
    metrics.addMetric('RequestBytes', MetricUnit.Bytes, record.requestSize);
    metrics.addMetric('ResponseBytes', MetricUnit.Bytes, record.responseSize);
    for (const [key, value] of Object.entries(record)) metrics.addMetadata(key, value as string);
    const line = JSON.stringify(metrics.serializeMetrics());
    metrics.clearMetrics();
    metrics.clearDimensions();
    metrics.clearMetadata();
    this.sink(line);
  }
}

/** The canary's figures as one EMF line (by gateway): what the canary alarms watch. */
export function canaryLine(gatewayId: string, result: CanaryResult, nowMs: number, logger?: MetricsOptions['logger']): string {
  const metrics = new Metrics({
    namespace: OPMON_NAMESPACE,
    serviceName: 'sild-gateway',
    defaultDimensions: { Gateway: gatewayId },
    ...(logger ? { logger } : {}),
  });
  metrics.setTimestamp(nowMs);
  metrics.addMetric('CanaryFailures', MetricUnit.Count, result.ok ? 0 : 1);
  const { globalConfAgeSeconds, globalConfAgePercent, sealLagSeconds, sessionValiditySeconds } = result.figures;
  if (globalConfAgeSeconds !== undefined) metrics.addMetric('GlobalConfAgeSeconds', MetricUnit.Seconds, globalConfAgeSeconds);
  if (globalConfAgePercent !== undefined) metrics.addMetric('GlobalConfAgePercent', MetricUnit.Percent, globalConfAgePercent);
  if (sealLagSeconds !== undefined) metrics.addMetric('SealLagSeconds', MetricUnit.Seconds, sealLagSeconds);
  if (sessionValiditySeconds !== undefined) metrics.addMetric('SessionValiditySeconds', MetricUnit.Seconds, sessionValiditySeconds);
  metrics.addMetadata('canary', JSON.stringify({ exchange: result.exchange, status: result.health.status }));
  return JSON.stringify(metrics.serializeMetrics());
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

/** The X-Road error types that say the gateway itself fails (not the client, not the backend). */
export const LAYER_FAULTS = ['LoggingFailed', 'SigningFailed', 'DatabaseError', 'TimestampingFailed', 'OutdatedGlobalConf'] as const;

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
