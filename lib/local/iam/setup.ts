/**
 * One ecosystem's local IAM, ready to install in the emulators: the model derived from its stacks, a credential for
 * each function principal, and its agencies' own consumer-side callers. Credentials are derived from a per-run secret,
 * so a process that runs the emulators apart (the benchmark's) installs exactly the principals the gateways sign as.
 */
import { createHmac } from 'node:crypto';
import type { EcosystemConfig } from '../../config/ecosystem-config';
import type { LocalPrincipal } from './authorizer';
import { deriveIamModel, type DeriveOptions } from './derive';
import { callerPrincipal, type FunctionCredentials, type LocalIam } from './local-iam';
import type { LocalIamModel } from './model';

export interface LocalIamSetup {
  readonly model: LocalIamModel;
  readonly credentials: FunctionCredentials;
  /** The agencies' own roles that call their IAM consumer sides, by role ARN. */
  readonly callers: readonly LocalPrincipal[];
}

export async function localIamSetup(config: EcosystemConfig, secret: string, options: DeriveOptions = {}): Promise<LocalIamSetup> {
  const model = await deriveIamModel(config, options);
  const credentials = Object.fromEntries(model.functions.map((fn) => [fn.name, credentialOf(secret, fn.name)]));
  const callers = config.agencies.flatMap((agency) =>
    agency.consumerAccess?.mode === 'iam'
      ? agency.consumerAccess.principals.map((principal) =>
          callerPrincipal(principal.arn, credentialOf(secret, `caller:${agency.name}:${principal.arn}`)),
        )
      : [],
  );
  return { model, credentials, callers };
}

export function installLocalIam(iam: LocalIam, setup: LocalIamSetup): void {
  iam.install(setup.model, setup.credentials, setup.callers);
}

/** A credential in IAM's form (`AKIA…`), the same for the same secret and name. */
function credentialOf(secret: string, name: string): { accessKeyId: string; secretAccessKey: string } {
  const mac = (label: string) => createHmac('sha256', secret).update(`${label}\u0000${name}`).digest();
  return { accessKeyId: `AKIALOCAL${mac('id').toString('hex').slice(0, 12).toUpperCase()}`, secretAccessKey: mac('secret').toString('base64') };
}
