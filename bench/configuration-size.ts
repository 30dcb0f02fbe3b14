/**
 * How big the global configuration grows with the ecosystem, measured with the central's own builder and signature:
 * N agencies, each a member with two subsystems, one gateway (one published key, an API Gateway URL) and S services.
 * The gateway keeps the newest document in one DynamoDB item (400 KB at most), gzip-compressed (ADR 0009).
 */
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { buildGlobalConfiguration } from '../lambdas/core/central/configuration-builder';
import type { RegistryEntry } from '../lambdas/core/central/registry';
import { centralSettingsSchema } from '../lambdas/core/central/settings';
import { signGlobalConfiguration } from '../lambdas/core/trust/global-configuration';
import type { Signer } from '../lambdas/core/kernel/ports';

export interface ConfigurationSize {
  readonly agencies: number;
  readonly servicesPerAgency: number;
  /** The signed configuration as served and kept (JSON). */
  readonly jsonBytes: number;
  /** Gzipped, as the gateway keeps it. */
  readonly gzipBytes: number;
}

const publicKey = () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'der', type: 'spki' }).toString('base64');

/** A central key in memory (the size of a signature does not depend on where the key is). */
function centralKey(): Signer {
  const { privateKey, publicKey: key } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    publicKey: async () => key.export({ format: 'der', type: 'spki' }),
    sign: async (data: Buffer) => sign('sha256', data, privateKey),
  } as unknown as Signer;
}

export async function configurationSize(agencies: number, servicesPerAgency: number): Promise<ConfigurationSize> {
  const settings = centralSettingsSchema.parse({ instance: 'EE', memberClasses: ['GOV', 'COM', 'NGO'] });
  const entries: RegistryEntry[] = Array.from({ length: agencies }, (_, index) => {
    const code = String(70000000 + index);
    const member = `EE/GOV/${code}`;
    return {
      agency: `agency-${index}`,
      member: { id: member, name: `Agency number ${index} of the Republic` },
      account: String(100000000000 + index),
      joinedAt: '2026-11-27T12:00:00.000Z',
      subsystems: ['registry', 'records'],
      services: Array.from({ length: servicesPerAgency }, (__, service) => ({
        subsystem: service % 2 ? 'records' : 'registry',
        code: `service-${service}-v1`,
      })),
      gateway: {
        id: `${member}/gateway-${index}`,
        providerUrl: `https://${randomBytes(5).toString('hex')}.execute-api.eu-north-1.amazonaws.com/prod`,
        publicKeys: [publicKey()],
      },
    };
  });
  const document = buildGlobalConfiguration(entries, settings, Date.parse('2026-11-27T12:00:00.000Z'), { version: 43_200 });
  const signed = await signGlobalConfiguration(document, centralKey());
  const json = Buffer.from(JSON.stringify(signed));
  return { agencies, servicesPerAgency, jsonBytes: json.length, gzipBytes: gzipSync(json).length };
}
