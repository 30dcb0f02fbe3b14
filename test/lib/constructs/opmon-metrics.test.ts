/**
 * The alarms and the dashboard read only metrics the gateway's EMF lines create, with the same names and dimensions
 * (issue 25 cut the opmon metrics to what they read: a metric nobody emits would leave an alarm without data — a
 * missing-data alarm never fires — and a metric nobody reads costs $0.30 a month for nothing).
 */
import { Template } from 'aws-cdk-lib/assertions';
import { ALARMED_OUTCOMES, canaryLine, EmfOperationalMonitor } from '../../../lambdas/adapters/emf-operational-monitor';
import type { OpmonRecord } from '../../../lambdas/core/exchange/opmon';
import { SildGateway } from '../../../lib/constructs/sild-gateway';
import { customMetricsOf, metricKey, type CustomMetric } from '../../../bench/cost';
import { constructStack, minimalGatewayConfig, resourcesOfType } from '../../support/synth';

const GATEWAY = 'EE/GOV/70000009/vehicle-registry';

function template(): any {
  const { stack } = constructStack();
  new SildGateway(stack, 'Gateway', minimalGatewayConfig());
  return Template.fromStack(stack).toJSON();
}

/** The `Sild` metrics every alarm reads (a metric, or each operand of its metric math). */
function alarmMetrics(json: any): CustomMetric[] {
  const of = (metric: { Namespace: string; MetricName: string; Dimensions?: { Name: string; Value: string }[] }) => ({
    namespace: metric.Namespace,
    name: metric.MetricName,
    dimensions: Object.fromEntries((metric.Dimensions ?? []).map((dimension) => [dimension.Name, dimension.Value])),
  });
  return Object.values(resourcesOfType(json, 'AWS::CloudWatch::Alarm')).flatMap(({ Properties: alarm }) =>
    [
      ...(alarm.MetricName ? [of(alarm)] : []),
      ...(alarm.Metrics ?? []).filter((entry: any) => entry.MetricStat).map((entry: any) => of(entry.MetricStat.Metric)),
    ].filter((metric) => metric.namespace === 'Sild'),
  );
}

/** The `Sild` metrics the dashboard's graphs read: `[namespace, name, dimension, value, …, options?]` rows. */
function dashboardMetrics(json: any): CustomMetric[] {
  const [dashboard] = Object.values(resourcesOfType(json, 'AWS::CloudWatch::Dashboard'));
  const body = dashboard.Properties.DashboardBody;
  const text = typeof body === 'string' ? body : body['Fn::Join'][1].map((part: unknown) => (typeof part === 'string' ? part : 'TOKEN')).join('');
  const widgets: { properties: { metrics?: unknown[][] } }[] = JSON.parse(text).widgets;
  return widgets
    .flatMap((widget) => widget.properties.metrics ?? [])
    .filter((row) => row[0] === 'Sild')
    .map((row) => {
      const pairs = row.slice(2).filter((cell) => typeof cell === 'string') as string[];
      const dimensions: Record<string, string> = {};
      for (let index = 0; index < pairs.length; index += 2) dimensions[pairs[index]] = pairs[index + 1];
      return { namespace: 'Sild', name: String(row[1]), dimensions };
    });
}

/** Every kind of line a gateway writes: both sides, every outcome the layer knows of, and the canary's figures. */
function emitted(): Set<string> {
  const lines: string[] = [];
  const monitor = new EmfOperationalMonitor(GATEWAY, (line) => lines.push(line));
  const base = { gateway: GATEWAY, requestInTs: 0, requestOutTs: 1, responseInTs: 2, responseOutTs: 3, requestSize: 0, responseSize: 0 };
  for (const securityServerType of ['Client', 'Producer'] as const)
    for (const faultCode of [undefined, ...ALARMED_OUTCOMES, 'Server.ServerProxy.LoggingFailed', 'Server.ClientProxy.AccessDenied'])
      monitor.record({ ...base, securityServerType, faultCode, succeeded: !faultCode, identified: true } as OpmonRecord);
  const figures = { globalConfAgeSeconds: 1, globalConfAgePercent: 1, sealLagSeconds: 1, sessionValiditySeconds: 1 };
  lines.push(canaryLine(GATEWAY, { ok: true, figures, exchange: { status: 200 }, health: { status: 'ok' } } as never, 0));
  return new Set(customMetricsOf(lines).map(metricKey));
}

describe('opmon metrics', () => {
  const json = template();
  const lines = emitted();

  test('every Sild metric an alarm reads is one the EMF lines create, with its name and dimensions', () => {
    const read = alarmMetrics(json);
    expect(read.map((metric) => metric.name).sort()).toEqual(
      expect.arrayContaining(['CanaryFailures', 'GlobalConfAgePercent', 'LayerFaults', 'Messages', 'SealLagSeconds']),
    );
    expect(read.filter((metric) => metric.dimensions.Outcome).map((metric) => metric.dimensions.Outcome)).toEqual(ALARMED_OUTCOMES);
    for (const metric of read) expect([metricKey(metric), lines.has(metricKey(metric))]).toEqual([metricKey(metric), true]);
  });

  test('every Sild metric the dashboard graphs is one the EMF lines create', () => {
    const read = dashboardMetrics(json);
    expect(new Set(read.map((metric) => metric.name))).toEqual(
      new Set([
        'Messages',
        'Failures',
        'Duration',
        'LayerFaults',
        'SealLagSeconds',
        'GlobalConfAgePercent',
        'CanaryFailures',
        'SessionValiditySeconds',
      ]),
    );
    for (const metric of read) expect([metricKey(metric), lines.has(metricKey(metric))]).toEqual([metricKey(metric), true]);
  });

  test('and the lines create no metric that neither reads', () => {
    const read = new Set([...alarmMetrics(json), ...dashboardMetrics(json)].map(metricKey));
    expect([...lines].filter((key) => !read.has(key))).toEqual([]);
  });
});
