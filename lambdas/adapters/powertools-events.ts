/**
 * Structured, payload-free logs for the Lambda entry files (Powertools Logger; X-Road-Id as correlation id).
 * Field names must avoid Powertools' reserved keys (`service`, `level`, `message`, `timestamp`, …).
 */
import { Logger } from '@aws-lambda-powertools/logger';

export function lambdaEvents(serviceName: string): (event: string, fields: Record<string, unknown>) => void {
  const logger = new Logger({ serviceName });
  return (event, fields) => {
    const { cause, ...rest } = fields;
    const entry = { ...rest, ...(cause === undefined ? {} : { cause: cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause) }) };
    if (event.endsWith('failed')) logger.warn(event, entry);
    else logger.info(event, entry);
  };
}
