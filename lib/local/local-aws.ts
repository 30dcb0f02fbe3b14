/**
 * The AWS a local ecosystem calls: the emulators (started here, or running elsewhere), the IAM derived from its
 * stacks installed in them, and SDK clients — the operator's (the deploying role), and each function's, calling as
 * that function's own principal.
 */
import { randomBytes } from 'node:crypto';
import { createAwsClients, type AwsClients } from '../../lambdas/adapters/aws-clients';
import type { Clock } from '../../lambdas/core/kernel/ports';
import type { EcosystemConfig } from '../config/ecosystem-config';
import { LOCAL_CREDENTIALS, startEmulators, type EmulatorEndpoints, type Emulators } from './emulators';
import type { DeriveOptions } from './iam/derive';
import { LocalIam } from './iam/local-iam';
import { installLocalIam, localIamSetup, type LocalIamSetup } from './iam/setup';
import { LOCAL_REGION } from './names';
import type { Shutdown } from './shutdown';

export interface LocalAwsOptions {
  readonly config: EcosystemConfig;
  /** Where the emulators started here keep their state. @default - memory only */
  readonly stateDir?: string;
  readonly clock: Clock;
  /** Emulators running elsewhere (see `LocalEcosystemOptions.emulatorEndpoints`). @default - started here */
  readonly emulatorEndpoints?: EmulatorEndpoints & { readonly iam?: LocalIam };
  /** The secret the function principals' credentials derive from. @default - a new one */
  readonly iamSecret?: string;
  /** Changes the stacks the local IAM is derived from. @default none */
  readonly adjustStacks?: DeriveOptions['adjust'];
}

export interface LocalAws {
  /** The emulators, when started here. */
  readonly emulators?: Emulators;
  readonly endpoints: EmulatorEndpoints & { readonly iam?: LocalIam };
  /** The IAM the emulators and the API fronts enforce. */
  readonly iam: LocalIam;
  readonly setup: LocalIamSetup;
  /** The operator's clients (administrator credentials). */
  readonly clients: AwsClients;
  /** One function's clients (`tax-board/consumer`, `central/publisher`, …), calling as its principal; made once. */
  clientsOf(functionName: string): AwsClients;
  /** The function clients made so far, by function name. */
  readonly functionClients: Readonly<Record<string, AwsClients>>;
}

/** Starts (or joins) the emulators and installs the stacks' IAM; `shutdown` stops the emulators and destroys every client. */
export async function startLocalAws(options: LocalAwsOptions, shutdown: Shutdown): Promise<LocalAws> {
  const created: AwsClients[] = [];
  // Added first, so it runs last: the clients outlive everything that uses them.
  shutdown.add(async () => destroyClients(created));
  // The stacks' IAM, derived while the emulators start (a synth when the config or the sources changed).
  const derived = localIamSetup(options.config, options.iamSecret ?? randomBytes(24).toString('base64'), { adjust: options.adjustStacks });
  let emulators: Emulators | undefined;
  if (!options.emulatorEndpoints) {
    emulators = await startEmulators({
      stateDir: options.stateDir,
      region: LOCAL_REGION,
      account: options.config.central.account,
      now: () => options.clock.now(),
    });
    shutdown.add(emulators.stop);
  }
  const endpoints = options.emulatorEndpoints ?? emulators!;
  const setup = await derived;
  // Enforced in the emulators (in this process, or the other process installed it from the same secret), and by
  // this process's API fronts (IAM routes).
  const iam = endpoints.iam ?? new LocalIam();
  if (!endpoints.iam && !options.iamSecret)
    throw new Error('Emulators of another process enforce the IAM installed there: pass the iamSecret they were given');
  installLocalIam(iam, setup);
  const clientsWith = (credentials: { accessKeyId: string; secretAccessKey: string }) => {
    const clients = createAwsClients({
      region: LOCAL_REGION,
      endpoints: { dynamodb: endpoints.dynamodbUrl, kms: endpoints.kmsUrl, s3: endpoints.s3Url },
      credentials,
    });
    created.push(clients);
    return clients;
  };
  const functionClients: Record<string, AwsClients> = {};
  return {
    emulators,
    endpoints,
    iam,
    setup,
    clients: clientsWith(LOCAL_CREDENTIALS),
    clientsOf: (functionName) => (functionClients[functionName] ??= clientsWith(setup.credentials[functionName])),
    functionClients,
  };
}

function destroyClients(all: readonly AwsClients[]): void {
  for (const clients of all) {
    clients.kms.destroy();
    clients.dynamodb.destroy();
    clients.s3.destroy();
    clients.dynamodbStreams.destroy();
  }
}
