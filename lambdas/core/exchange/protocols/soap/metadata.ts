/** Placeholder until PR-META's SOAP services land. */
import { providerError } from '../../../kernel/errors';
import type { HttpResponse } from '../../../kernel/http';
import type { MetadataContext } from '../protocol';
import type { SoapMessage } from './envelope';

export const METADATA_SERVICES: ReadonlySet<string> = new Set(['listMethods', 'allowedMethods', 'getWsdl']);

export async function metadataAnswer(message: SoapMessage, _context: MetadataContext): Promise<HttpResponse> {
  throw providerError('UnknownService', `${message.header.service.serviceCode} is not answered yet`);
}
