/**
 * Derives the local runtime's IAM model from the stacks themselves: the app is synthesized for the same config (the
 * central's URL and anchor filled in, so the registrar's role exists too; no bundling, no validation), and every
 * function role's policies, every signing key's key policy, every bucket policy and the central API's resource policy
 * are read from the templates, their CloudFormation tokens resolved to the local names and ARNs. A token that cannot
 * be resolved fails the derivation: nothing is enforced that the templates do not say.
 *
 * Synth costs ~1–2 s (loading aws-cdk-lib included), so the model is cached by the config and a hash of every source
 * file the templates depend on (`node_modules/.cache/sild/`).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { EcosystemConfig } from '../../config/ecosystem-config';
import type { Stack } from 'aws-cdk-lib';
import type { AgencyStack } from '../../stacks/agency-stack';
import type { CentralStack } from '../../stacks/central-stack';
import { LOCAL_STREAM_LABEL } from '../dynamodb-streams';
import { bodyBucketName, configurationBucketName, messageLogTableName, registryTableName } from '../names';
import {
  bucketArn,
  IAM_MODEL_VERSION,
  LOCAL_CENTRAL_API,
  signingKeyArn,
  tableArn,
  type FunctionPrincipalModel,
  type LocalIamModel,
  type LocalParty,
  type PolicyDocument,
} from './model';

const PROJECT_ROOT = resolve(__dirname, '..', '..', '..');
const CENTRAL = 'central';

/** A P-256 public key standing for the central's anchor at synth: the templates' IAM does not depend on its value. */
const SYNTH_ANCHOR = 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEopdCTyksRE0lA288fYzI5ZjRnvEON6nZ3/HYWqBAGxYicbmjX+Qst8BdvfeuwX7wV2+h53TkZH0wKw15u44O7w==';

/** The functions each stack deploys, by local name: the construct id of the function under the party's construct. */
const GATEWAY_FUNCTIONS = {
  consumer: ['ConsumerFunction'],
  provider: ['ProviderFunction'],
  sealer: ['SealerFunction'],
  canary: ['CanaryFunction'],
  registrar: ['Registration', 'Registrar'],
} as const;
const CENTRAL_FUNCTIONS = { central: ['CentralFunction'], publisher: ['PublisherFunction'] } as const;

/** The stacks as built for the derivation, before synth. */
export interface DerivedStacks {
  readonly central: CentralStack;
  readonly agencies: Readonly<Record<string, AgencyStack>>;
}

export interface DeriveOptions {
  /** Where derived models are kept. @default node_modules/.cache/sild */
  readonly cacheDir?: string;
  /**
   * Changes the stacks before synth (a test removing a grant proves the local runtime catches it). A model derived
   * with it is never cached. @default none
   */
  readonly adjust?: (stacks: DerivedStacks) => void;
}

/** The IAM model of the stacks `config` deploys, from the cache when the config and the sources are unchanged. */
export async function deriveIamModel(config: EcosystemConfig, options: DeriveOptions = {}): Promise<LocalIamModel> {
  const cacheDir = options.cacheDir ?? join(PROJECT_ROOT, 'node_modules', '.cache', 'sild');
  const key = createHash('sha256').update(JSON.stringify(config)).update(sourceHash()).update(String(IAM_MODEL_VERSION)).digest('hex').slice(0, 32);
  const cached = join(cacheDir, `iam-${key}.json`);
  if (options.adjust) return synthesizeModel(config, options.adjust);
  if (existsSync(cached)) {
    try {
      const model = JSON.parse(readFileSync(cached, 'utf8')) as LocalIamModel;
      if (model.version === IAM_MODEL_VERSION) return model;
    } catch {
      // A torn or foreign file: derived again below.
    }
  }
  const model = await synthesizeModel(config);
  mkdirSync(cacheDir, { recursive: true });
  // Written aside and renamed: a concurrent reader (another test worker) sees the whole file or none.
  const partial = `${cached}.${process.pid}.tmp`;
  writeFileSync(partial, JSON.stringify(model));
  renameSync(partial, cached);
  return model;
}

/** A hash of everything the templates are made from: the constructs, the Lambda contract, the CDK version. */
function sourceHash(): string {
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) hash.update(path).update(readFileSync(path));
    }
  };
  walk(join(PROJECT_ROOT, 'lib'));
  walk(join(PROJECT_ROOT, 'lambdas'));
  for (const file of ['package-lock.json', 'cdk.json']) if (existsSync(join(PROJECT_ROOT, file))) hash.update(readFileSync(join(PROJECT_ROOT, file)));
  return hash.digest('hex');
}

/** Synthesizes the central and agency stacks for `config` and reads the model from their templates. */
async function synthesizeModel(config: EcosystemConfig, adjust?: DeriveOptions['adjust']): Promise<LocalIamModel> {
  // Loaded here only: a cached model needs none of it.
  const { App } = await import('aws-cdk-lib');
  const { CentralStack } = await import('../../stacks/central-stack');
  const { AgencyStack } = await import('../../stacks/agency-stack');
  const context = {
    ...(JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context,
    'aws:cdk:bundling-stacks': [],
  };
  const outdir = mkdtempSync(join(tmpdir(), 'sild-iam-'));
  try {
    const app = new App({ analyticsReporting: false, context, outdir, builtinCloudFormationValidation: false } as ConstructorParameters<
      typeof App
    >[0]);
    const apiUrl = `https://${LOCAL_CENTRAL_API.id}.execute-api.${config.central.region}.amazonaws.com/${LOCAL_CENTRAL_API.stage}`;
    const completed: EcosystemConfig = {
      ...config,
      central: { ...config.central, apiUrl, anchorPublicKey: config.central.anchorPublicKey ?? SYNTH_ANCHOR },
    };
    const central = new CentralStack(app, 'LocalCentral', {
      env: { account: config.central.account, region: config.central.region },
      config: completed,
    });
    const agencies = config.agencies.map((agency) => ({
      agency,
      stack: new AgencyStack(app, `LocalAgency-${agency.name}`, {
        env: { account: agency.account, region: agency.region },
        config: completed,
        agency,
      }),
    }));
    adjust?.({ central, agencies: Object.fromEntries(agencies.map(({ agency, stack }) => [agency.name, stack])) });
    const assembly = app.synth();
    const templateOf = (stack: Stack) => assembly.getStackByName(stack.stackName).template as Template;
    const logicalIdOf = (stack: Stack, construct: { node: { defaultChild?: unknown } }) => stack.getLogicalId(construct.node.defaultChild as never);

    const parties: LocalParty[] = [
      { name: CENTRAL, account: config.central.account, region: config.central.region },
      ...config.agencies.map((agency) => ({ name: agency.name, account: agency.account, region: agency.region })),
    ];
    const partyOf = (name: string) => parties.find((party) => party.name === name)!;
    const model = {
      version: IAM_MODEL_VERSION,
      parties,
      tables: {} as Record<string, string>,
      buckets: {} as Record<string, string>,
      functions: [] as FunctionPrincipalModel[],
      keyPolicies: {} as Record<string, PolicyDocument>,
      bucketPolicies: {} as Record<string, PolicyDocument>,
      join: {
        arn: `arn:aws:execute-api:${config.central.region}:${config.central.account}:${LOCAL_CENTRAL_API.id}/${LOCAL_CENTRAL_API.stage}/POST/join`,
      } as LocalIamModel['join'],
    };

    // The central: its registry, its configuration bucket, its keys, its API, its two functions.
    {
      const { central: construct } = central;
      const party = partyOf(CENTRAL);
      const names = new LocalNames(templateOf(central), party, central.stackName);
      names.table(logicalIdOf(central, construct.registry.table), registryTableName);
      names.bucket(logicalIdOf(central, construct.configuration.bucket), configurationBucketName);
      model.tables[registryTableName] = CENTRAL;
      model.buckets[configurationBucketName] = CENTRAL;
      readParty(model, names, party, construct, CENTRAL_FUNCTIONS, logicalIdOf.bind(null, central));
      const apiPolicy = names.resource(logicalIdOf(central, construct.api.restApi)).Properties?.Policy;
      if (apiPolicy)
        model.join = {
          ...model.join,
          policy: names.apiPolicy(apiPolicy, `arn:aws:execute-api:${party.region}:${party.account}:${LOCAL_CENTRAL_API.id}`),
        };
    }
    for (const { agency, stack } of agencies) {
      const { gateway } = stack;
      const party = partyOf(agency.name);
      const names = new LocalNames(templateOf(stack), party, stack.stackName);
      names.table(logicalIdOf(stack, gateway.messageLog.table), messageLogTableName(agency.name));
      names.bucket(logicalIdOf(stack, gateway.bodyStore.bucket), bodyBucketName(agency.name));
      model.tables[messageLogTableName(agency.name)] = agency.name;
      model.buckets[bodyBucketName(agency.name)] = agency.name;
      readParty(model, names, party, gateway, GATEWAY_FUNCTIONS, logicalIdOf.bind(null, stack));
    }
    return model;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

interface Template {
  readonly Resources: Record<string, { readonly Type: string; readonly Properties?: Record<string, unknown> }>;
}

type Mutable<T> = {
  -readonly [K in keyof T]: T[K] extends readonly (infer E)[] ? E[] : T[K] extends Readonly<Record<string, infer V>> ? Record<string, V> : T[K];
};

/** A party's functions, its signing keys' policy and its buckets' policies. */
function readParty(
  model: Mutable<LocalIamModel>,
  names: LocalNames,
  party: LocalParty,
  construct: { node: { findChild(id: string): { node: { findChild(id: string): unknown } } } },
  functions: Readonly<Record<string, readonly string[]>>,
  logicalIdOf: (construct: { node: { defaultChild?: unknown } }) => string,
): void {
  for (const [name, path] of Object.entries(functions)) {
    const fn = path.reduce<unknown>((parent, id) => (parent as { node: { findChild(id: string): unknown } }).node.findChild(id), construct) as {
      role?: { node: { defaultChild?: unknown } };
    };
    const roleLogicalId = logicalIdOf(fn.role!);
    model.functions.push({
      name: `${party.name}/${name}`,
      party: party.name,
      account: party.account,
      roleName: `sild-${party.name}-${name}`,
      roleLogicalId,
      policies: names.policiesOfRole(roleLogicalId),
    });
  }
  const keyPolicies = names.ofType('AWS::KMS::Key').map(([, resource]) => names.document(resource.Properties?.KeyPolicy));
  if (keyPolicies.length === 0) throw new Error(`The ${party.name} stack has no signing key`);
  // Every key of a party stands for one signing key locally: their policies must agree.
  if (keyPolicies.some((policy) => JSON.stringify(policy) !== JSON.stringify(keyPolicies[0])))
    throw new Error(`The signing keys of ${party.name} have different key policies`);
  model.keyPolicies[party.name] = keyPolicies[0];
  for (const [, resource] of names.ofType('AWS::S3::BucketPolicy')) {
    const bucket = names.value(resource.Properties?.Bucket);
    if (typeof bucket !== 'string') throw new Error(`A bucket policy of ${party.name} names no bucket`);
    model.bucketPolicies[bucket] = names.document(resource.Properties?.PolicyDocument);
  }
}

/**
 * One template's resources under their local names: the ones the local runtime has (tables, buckets, keys) by name,
 * every other resource by a name of its own that no local request ever targets. Resolves the intrinsic functions
 * the templates' policies use (`Ref`, `Fn::GetAtt … Arn`, `Fn::Join`, pseudo parameters) and refuses any other.
 */
class LocalNames {
  private readonly names = new Map<string, { readonly ref: string; readonly arn: string; readonly streamArn?: string }>();

  constructor(
    private readonly template: Template,
    private readonly party: LocalParty,
    private readonly stackName: string,
  ) {
    for (const [logicalId, resource] of Object.entries(template.Resources)) {
      if (resource.Type === 'AWS::KMS::Key') this.names.set(logicalId, { ref: `sild-signing-${party.name}`, arn: signingKeyArn(party) });
    }
  }

  table(logicalId: string, name: string): void {
    // Its stream as the local DynamoDB front names it (`dynamodb-streams.ts`).
    this.names.set(logicalId, {
      ref: name,
      arn: tableArn(this.party, name),
      streamArn: `${tableArn(this.party, name)}/stream/${LOCAL_STREAM_LABEL}`,
    });
  }

  bucket(logicalId: string, name: string): void {
    this.names.set(logicalId, { ref: name, arn: bucketArn(name) });
  }

  resource(logicalId: string) {
    const resource = this.template.Resources[logicalId];
    if (!resource) throw new Error(`${this.stackName} has no resource ${logicalId}`);
    return resource;
  }

  ofType(type: string) {
    return Object.entries(this.template.Resources).filter(([, resource]) => resource.Type === type);
  }

  /** Every `AWS::IAM::Policy` attached to the role, and the role's own inline policies. */
  policiesOfRole(roleLogicalId: string): { name: string; document: PolicyDocument }[] {
    const role = this.resource(roleLogicalId);
    const inline = ((role.Properties?.Policies as { PolicyName: string; PolicyDocument: unknown }[] | undefined) ?? []).map((policy) => ({
      name: policy.PolicyName,
      document: this.document(policy.PolicyDocument),
    }));
    const attached = this.ofType('AWS::IAM::Policy')
      .filter(([, policy]) =>
        ((policy.Properties?.Roles as unknown[] | undefined) ?? []).some((ref) => (ref as { Ref?: string }).Ref === roleLogicalId),
      )
      .map(([logicalId, policy]) => ({ name: logicalId, document: this.document(policy.Properties?.PolicyDocument) }));
    // AWS-managed policies (`ManagedPolicyArns`) grant CloudWatch Logs and network interfaces only, neither of which
    // exists locally; leaving them out can only refuse more.
    return [...inline, ...attached];
  }

  document(raw: unknown): PolicyDocument {
    const resolved = this.value(raw) as PolicyDocument | undefined;
    if (!resolved || !Array.isArray(resolved.Statement)) throw new Error(`${this.stackName}: a policy without statements`);
    return resolved;
  }

  /** An API Gateway resource policy: its `execute-api:/…` shorthand expanded to the API's ARN (as API Gateway does). */
  apiPolicy(raw: unknown, apiArn: string): PolicyDocument {
    const document = this.document(raw);
    const expand = (resource: unknown) =>
      typeof resource === 'string' && resource.startsWith('execute-api:/') ? `${apiArn}/${resource.slice('execute-api:/'.length)}` : resource;
    return {
      ...document,
      Statement: document.Statement.map((statement) => ({
        ...statement,
        Resource: Array.isArray(statement.Resource) ? statement.Resource.map(expand) : expand(statement.Resource),
      })),
    };
  }

  /** A template value with every intrinsic function resolved locally. */
  value(raw: unknown): unknown {
    if (Array.isArray(raw)) return raw.map((item) => this.value(item));
    if (raw === null || typeof raw !== 'object') return raw;
    const object = raw as Record<string, unknown>;
    const keys = Object.keys(object);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) return this.intrinsic(keys[0], object[keys[0]]);
    return Object.fromEntries(keys.map((key) => [key, this.value(object[key])]));
  }

  private intrinsic(name: string, argument: unknown): string {
    if (name === 'Ref' && typeof argument === 'string') return this.ref(argument);
    if (name === 'Fn::GetAtt' && Array.isArray(argument) && argument[1] === 'Arn') return this.known(String(argument[0])).arn;
    if (name === 'Fn::GetAtt' && Array.isArray(argument) && argument[1] === 'StreamArn') {
      const streamArn = this.names.get(String(argument[0]))?.streamArn;
      if (streamArn !== undefined) return streamArn;
    }
    if (name === 'Fn::Join' && Array.isArray(argument) && typeof argument[0] === 'string' && Array.isArray(argument[1])) {
      return argument[1]
        .map((part) => {
          const resolved = this.value(part);
          if (typeof resolved !== 'string') throw this.unresolvable(name, argument);
          return resolved;
        })
        .join(argument[0]);
    }
    throw this.unresolvable(name, argument);
  }

  private ref(name: string): string {
    const pseudo: Record<string, string> = {
      'AWS::Partition': 'aws',
      'AWS::AccountId': this.party.account,
      'AWS::Region': this.party.region,
      'AWS::URLSuffix': 'amazonaws.com',
      'AWS::StackName': this.stackName,
    };
    if (Object.hasOwn(pseudo, name)) return pseudo[name];
    return this.known(name).ref;
  }

  /** The local names of a resource: its own, or a name no local request targets (fail closed), by type. */
  private known(logicalId: string): { ref: string; arn: string } {
    const named = this.names.get(logicalId);
    if (named) return named;
    const { Type: type } = this.resource(logicalId);
    const { region, account } = this.party;
    const local = `local-${this.stackName}-${logicalId}`.toLowerCase();
    const byType: Record<string, { ref: string; arn: string }> = {
      'AWS::Logs::LogGroup': { ref: local, arn: `arn:aws:logs:${region}:${account}:log-group:${local}:*` },
      'AWS::Lambda::Function': { ref: local, arn: `arn:aws:lambda:${region}:${account}:function:${local}` },
      'AWS::IAM::Role': { ref: local, arn: `arn:aws:iam::${account}:role/${local}` },
      'AWS::SNS::Topic': { ref: `arn:aws:sns:${region}:${account}:${local}`, arn: `arn:aws:sns:${region}:${account}:${local}` },
      'AWS::S3::Bucket': { ref: local, arn: bucketArn(local) },
      'AWS::DynamoDB::Table': { ref: local, arn: tableArn(this.party, local) },
      'AWS::CloudFront::Distribution': { ref: local, arn: `arn:aws:cloudfront::${account}:distribution/${local}` },
      'AWS::ApiGateway::RestApi': { ref: local, arn: `arn:aws:apigateway:${region}::/restapis/${local}` },
    };
    if (!Object.hasOwn(byType, type))
      throw new Error(`${this.stackName}: cannot resolve ${logicalId} (${type}) to a local name; the local IAM model refuses to guess`);
    return byType[type];
  }

  private unresolvable(name: string, argument: unknown): Error {
    return new Error(
      `${this.stackName}: cannot resolve ${name} ${JSON.stringify(argument).slice(0, 200)} locally; the local IAM model refuses to guess`,
    );
  }
}
