/**
 * Metric math over sparse metrics — ones written only when something happens: DynamoDB's `SystemErrors` and
 * `ThrottledRequests` per operation, a gateway side's opmon metrics only when that side handled a message. Metric
 * math computes a period only where its operands have points (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html),
 * so a plain `getitem + putitem + query` has a point only when every operation erred in the same period and its
 * alarm practically never fires. Each operand is filled with 0 first.
 */
import type { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';

/** `FILL(a, 0) + FILL(b, 0) + …` over `metrics` (by expression id: lower-case letters, digits, `_`). */
export function filledSum(
  metrics: Readonly<Record<string, cloudwatch.IMetric>>,
  options: { readonly label: string; readonly period: Duration },
): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({
    expression: filledSumExpression(Object.keys(metrics)),
    usingMetrics: { ...metrics },
    label: options.label,
    period: options.period,
  });
}

/** The expression text of `filledSum` over these ids. */
export const filledSumExpression = (ids: readonly string[]) => ids.map((id) => `FILL(${id}, 0)`).join(' + ');

/** A table's per-operation metric summed over `operations`, each filled with 0 where the operation reported nothing. */
export function tableOperationsSum(
  table: dynamodb.ITable,
  metricName: 'SystemErrors' | 'ThrottledRequests',
  operations: readonly dynamodb.Operation[],
  period: Duration,
): cloudwatch.MathExpression {
  const metrics = Object.fromEntries(
    operations.map((operation) => [
      operation.toLowerCase(),
      table.metric(metricName, { dimensionsMap: { TableName: table.tableName, Operation: operation }, statistic: cloudwatch.Stats.SUM, period }),
    ]),
  );
  return filledSum(metrics, { label: `${metricName} (${operations.join(', ')})`, period });
}
