/**
 * Registers an agency's gateway with the central registry at deploy time: a custom resource whose function reads
 * the gateway's public key from KMS and sends the SigV4-signed `POST {centralUrl}/join` with its own role's
 * credentials. The central API authorizes by AWS identity (IAM auth + a resource policy naming the agency
 * accounts), so no role in the central account is assumed. The resource's properties are exactly what the join
 * carries (`RegistrationProperties`): the join re-runs when what the central publishes about the gateway changes
 * (member, subsystems, offered services, provider URL, keys) or the central moves — and only then, so an agency can
 * change a backend or enter maintenance mode while the central is down. Deleting the stack does not unregister (an
 * operator removes the registry entry, which revokes the gateway at the next configuration refresh).
 */
import { CustomResource, Duration, Stack, ArnFormat, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import type { GatewayRegistration as Registration } from '../../lambdas/core/central/join-request';
import { registrationProperties } from '../../lambdas/deployment-contract';
import { routesOf } from '../routes';
import { SildFunction } from './sild-function';
import type { SigningKey } from './signing-key';

export interface GatewayRegistrationProps {
  /** What the join registers: the agency, member, gateway id, subsystems and offered services' ids. */
  readonly registration: Registration;
  /** The gateway's signing key; its public key is registered. */
  readonly signingKey: SigningKey;
  /** Every key to register (a rotation publishes two), each signing the join. @default - the signing key alone */
  readonly publishedKeys?: readonly SigningKey[];
  /** The provider-side URL other gateways call. */
  readonly providerUrl: string;
  /** The central API's base URL (`central.apiUrl`). */
  readonly centralUrl: string;
  /** The central deployment's account (the invoke permission names it). @default - any account (the API id still pins the API) */
  readonly centralAccount?: string;
  /** The central deployment's Region (for the SigV4 signature and the invoke permission). */
  readonly centralRegion: string;
  /** Retention of the registrar's logs. @default logs.RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
}

export class GatewayRegistration extends Construct {
  public readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: GatewayRegistrationProps) {
    super(scope, id);
    const registrar = new SildFunction(this, 'Registrar', {
      entry: 'lambdas/gateway/registrar-resource.ts',
      description: `Sild: registers gateway ${props.registration.agency} with the central registry (custom resource)`,
      memorySize: 256,
      timeout: Duration.seconds(60),
      logRetention: props.logRetention,
    });
    // The join carries a signature by the key it registers (proof of possession); Sign includes GetPublicKey.
    const published = props.publishedKeys ?? [props.signingKey];
    for (const key of published) key.grantSign(registrar);
    const join = joinArn(this, props);
    registrar.addToRolePolicy(new iam.PolicyStatement({ actions: ['execute-api:Invoke'], resources: [join.arn] }));
    if (join.wildcardReason) {
      Validations.of(registrar.role!).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${flatten(Stack.of(this).resolve(join.arn))}]`,
        reason: join.wildcardReason,
      });
    }

    // The provider framework's own function: explicit role (log writes + invoking the registrar) and log group.
    const frameworkLogs = new logs.LogGroup(this, 'FrameworkLogs', { retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS });
    const frameworkRole = new iam.Role(this, 'FrameworkRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Execution role of the custom resource provider framework for the Sild gateway registration',
    });
    frameworkLogs.grantWrite(frameworkRole);
    const provider = new cr.Provider(this, 'Provider', { onEventHandler: registrar, frameworkOnEventRole: frameworkRole, logGroup: frameworkLogs });
    Validations.of(frameworkRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(registrar.node.defaultChild as never)}.Arn>:*]`,
      reason:
        "aws-cdk-lib's provider framework grants lambda:InvokeFunction on the registrar function and its versions (ARN:*); the wildcard covers versions of that one function only.",
    });
    Validations.of(provider).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        "The provider framework function's runtime is chosen by aws-cdk-lib (determineLatestNodeRuntime) and updated with it; it only relays events to the registrar.",
    });

    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::SildGatewayRegistration',
      serviceTimeout: Duration.minutes(10),
      properties: registrationProperties({
        registration: props.registration,
        providerUrl: props.providerUrl,
        signingKeyId: props.signingKey.key.keyArn,
        publishedKeyIds: published.map((key) => key.key.keyArn),
        centralUrl: props.centralUrl,
        centralRegion: props.centralRegion,
      }),
    });
  }
}

/** The ARN of the central `POST /join` method, from the central URL when it is an execute-api URL. */
function joinArn(scope: Construct, props: GatewayRegistrationProps): { arn: string; wildcardReason?: string } {
  const route = routesOf('central').find((candidate) => candidate.method === 'POST' && candidate.path === '/join');
  if (!route) throw new Error('The route table has no central POST /join route');
  const url = new URL(props.centralUrl);
  const executeApi = /^([a-z0-9]+)\.execute-api\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/.exec(url.hostname);
  const stage = url.pathname.split('/').filter(Boolean)[0];
  const apiId = executeApi?.[1];
  const arn = Stack.of(scope).formatArn({
    service: 'execute-api',
    account: props.centralAccount ?? '*',
    region: props.centralRegion,
    resource: apiId && stage ? apiId : '*',
    resourceName: `${apiId && stage ? stage : '*'}/${route.method}${route.path}`,
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
  if (!(apiId && stage)) {
    return {
      arn,
      wildcardReason:
        "The central URL is a custom domain, so the central API id and stage are unknown at synth; the permission is still limited to POST /join in the central Region, and the central API's resource policy names this account.",
    };
  }
  if (props.centralAccount === undefined) {
    return {
      arn,
      wildcardReason:
        "The central account is not in this gateway's config; the permission is still pinned to the central API id, its stage and POST /join.",
    };
  }
  return { arn };
}

/** Renders a resolved CloudFormation value the way cdk-nag names it in a finding id (`Ref` → `<Name>`). */
function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  const object = value as Record<string, unknown>;
  if (object && 'Ref' in object) return `<${String(object.Ref)}>`;
  if (object && 'Fn::GetAtt' in object) return `<${(object['Fn::GetAtt'] as string[]).join('.')}>`;
  if (object && 'Fn::Join' in object) {
    const [separator, parts] = object['Fn::Join'] as [string, unknown[]];
    return parts.map(flatten).join(separator);
  }
  return JSON.stringify(value);
}
