/**
 * The local runtime's IAM: what the stacks grant, as the emulators enforce it. Derived from the synthesized templates
 * (`derive.ts`), serializable (it is cached, and sent to emulators in another process), and free of CloudFormation
 * tokens: every name and ARN is the local one.
 */

/** An IAM policy document as a template holds it, tokens resolved. */
export interface PolicyDocument {
  readonly Version?: string;
  readonly Statement: readonly Record<string, unknown>[];
}

/** A party of the ecosystem: the central, or an agency. Locally, as in AWS, each lives in its own account. */
export interface LocalParty {
  readonly name: string;
  readonly account: string;
  readonly region: string;
}

/** A Sild function as a principal: its role and the identity policies the stack attaches to it. */
export interface FunctionPrincipalModel {
  /** `<agency>/<consumer|provider|sealer|canary|registrar>` or `central/<central|publisher>`. */
  readonly name: string;
  /** The party whose stack deploys it (`central` or the agency's name). */
  readonly party: string;
  readonly account: string;
  /** The role's local name, `sild-<party>-<function>`. */
  readonly roleName: string;
  /** The role's logical id in its stack's template (what `cdk diff` names). */
  readonly roleLogicalId: string;
  /** Inline and attached policies (`AWS::IAM::Policy`), tokens resolved to local names. */
  readonly policies: readonly { readonly name: string; readonly document: PolicyDocument }[];
}

export interface LocalIamModel {
  /** Bumped when the model's shape changes (a cached model of another version is derived again). */
  readonly version: number;
  readonly parties: readonly LocalParty[];
  /** Local table name → the party whose stack creates it. */
  readonly tables: Readonly<Record<string, string>>;
  /** Local bucket name → the party whose stack creates it. */
  readonly buckets: Readonly<Record<string, string>>;
  readonly functions: readonly FunctionPrincipalModel[];
  /**
   * Each party's signing-key policy. Every local KMS key a party's stack (or a local key rotation standing for its
   * next deploy) creates is presented to IAM as the party's signing key, `signingKeyArn(party)`.
   */
  readonly keyPolicies: Readonly<Record<string, PolicyDocument>>;
  /** Bucket policies by local bucket name. */
  readonly bucketPolicies: Readonly<Record<string, PolicyDocument>>;
  /** The central API's `POST /join` method as IAM sees it, and the API's resource policy. */
  readonly join: { readonly arn: string; readonly policy?: PolicyDocument };
}

export const IAM_MODEL_VERSION = 1;

/** The id and stage the local central API stands in for (`https://<id>.execute-api.<region>.amazonaws.com/<stage>`). */
export const LOCAL_CENTRAL_API = { id: 'sildlocalcentral', stage: 'local' } as const;

/** How IAM sees a party's signing keys: one key ARN per party, whichever local keys stand for it. */
export const signingKeyArn = (party: LocalParty) => `arn:aws:kms:${party.region}:${party.account}:key/sild-signing-${party.name}`;

export const tableArn = (party: LocalParty, table: string) => `arn:aws:dynamodb:${party.region}:${party.account}:table/${table}`;

export const bucketArn = (bucket: string) => `arn:aws:s3:::${bucket}`;

export const roleArn = (account: string, roleName: string) => `arn:aws:iam::${account}:role/${roleName}`;

/** The caller ARN AWS reports for a function: its role's session. */
export const sessionArn = (account: string, roleName: string) => `arn:aws:sts::${account}:assumed-role/${roleName}/local`;
