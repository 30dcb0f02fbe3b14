/**
 * The items of a gateway's table that its functions read but never write: what the deployment puts (the agency
 * stack's custom resources, the local runtime) — the access policy, each REST service's OpenAPI description and each
 * SOAP service's WSDL — and the
 * signing key ring the operator's rotation (`sild keys rotate`) puts.
 */
import * as z from '../core/kernel/schema';
import { accessPolicySchema } from '../core/exchange/settings';
import { jsonItem, schemaItem, textItem, type ItemKind } from './item-kind';
import { CONFIG_PK, KEYS_PK } from './tables';

/** What the provider side offers and to whom (`accessPolicySchema`), as JSON in `policy`. */
export const ACCESS_POLICY_ITEM = schemaItem({ pk: CONFIG_PK, sk: 'ACCESS-POLICY' }, 'policy', accessPolicySchema);

/** A service's OpenAPI description (getOpenAPI answers it as it is), as JSON in `document`. */
export const serviceDescriptionItem = (subsystem: string, code: string): ItemKind<unknown> =>
  jsonItem({ pk: CONFIG_PK, sk: `OPENAPI#${subsystem}/${code}` }, 'document');

/** A SOAP service's WSDL, the text as the deployment read it, in `document`. */
export const serviceWsdlItem = (subsystem: string, code: string): ItemKind<string> =>
  textItem({ pk: CONFIG_PK, sk: `WSDL#${subsystem}/${code}` }, 'document');

export const gatewayKeysSchema = z.object({
  current: z.string(),
  published: z.array(z.string()).check(z.minLength(1)),
  /** A rotation in progress: the stage reached, the keys involved, and when the stage was reached. */
  rotation: z.optional(z.object({ stage: z.enum(['published', 'switched']), previous: z.string(), next: z.string(), at: z.iso.datetime() })),
  /** Keys rotated out, with when (KMS keys are kept: evidence and audits still name them). */
  retired: z._default(z.array(z.object({ key: z.string(), at: z.iso.datetime() })), []),
});

export type GatewayKeys = z.infer<typeof gatewayKeysSchema>;

/** The signing key ring after a rotation (`gatewayKeysSchema`), as JSON in `ring`. */
export const SIGNING_KEYS_ITEM = schemaItem({ pk: KEYS_PK, sk: 'SIGNING' }, 'ring', gatewayKeysSchema);
