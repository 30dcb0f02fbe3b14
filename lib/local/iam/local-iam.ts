/**
 * IAM as the local AWS services enforce it: the derived model (what the stacks grant and where each resource lives)
 * and the principals that call. The emulators ask it, per call, for the resource as IAM sees it and for the decision;
 * until a model is installed only the operator is known (the emulators on their own, in adapter tests).
 */
import { LocalAuthorizer, type AuthorizationRequest, type Decision, type LocalPrincipal } from './authorizer';
import { bucketArn, LOCAL_CENTRAL_API, sessionArn, signingKeyArn, tableArn, type LocalIamModel, type LocalParty, type PolicyDocument } from './model';

/** A resource as IAM sees it: its ARN, its account and its own policy. */
export interface IamResource {
  readonly arn: string;
  readonly account: string;
  readonly policy?: PolicyDocument;
}

/** Where nothing of the model lives: a resource there is nobody's, so no function's policy names it. */
const NOBODY = '000000000000';

/** Each function principal's credential, by name (`tax-board/consumer`): kept across processes as one set. */
export type FunctionCredentials = Readonly<Record<string, { readonly accessKeyId: string; readonly secretAccessKey: string }>>;

export class LocalIam {
  readonly authorizer = new LocalAuthorizer();
  private model?: LocalIamModel;

  /** Enforces `model`: its function principals (with `credentials`), plus `others` (callers outside the stacks). */
  install(model: LocalIamModel, credentials: FunctionCredentials, others: readonly LocalPrincipal[] = []): void {
    this.model = model;
    this.authorizer.reset();
    this.authorizer.add([...functionPrincipals(model, credentials), ...others]);
  }

  /** Adds callers outside the stacks (an agency's own roles calling its consumer side). */
  addCallers(principals: readonly LocalPrincipal[]): void {
    this.authorizer.add(principals);
  }

  authorize(request: AuthorizationRequest): Promise<Decision> {
    return this.authorizer.authorize(request);
  }

  party(name: string | undefined): LocalParty | undefined {
    return name === undefined ? undefined : this.model?.parties.find((party) => party.name === name);
  }

  /** The account a party lives in (where its keys are created). */
  accountOf(party: string | undefined): string | undefined {
    return this.party(party)?.account;
  }

  table(name: string): IamResource {
    const party = this.party(this.model?.tables[name]);
    return party
      ? { arn: tableArn(party, name), account: party.account }
      : { arn: `arn:aws:dynamodb:local:${NOBODY}:table/${name}`, account: NOBODY };
  }

  /** An object (or, without `key`, the bucket itself), with the bucket's policy. */
  bucket(bucket: string, key?: string): IamResource {
    const party = this.party(this.model?.buckets[bucket]);
    const arn = key === undefined ? bucketArn(bucket) : `${bucketArn(bucket)}/${key}`;
    return { arn, account: party?.account ?? NOBODY, policy: this.model?.bucketPolicies[bucket] };
  }

  /** A party's signing key as IAM sees it (every local key that stands for it), with its key policy. */
  signingKey(party: string | undefined, localArn: string, account: string): IamResource {
    const owner = this.party(party);
    if (!owner || owner.account !== account) return { arn: localArn, account };
    return { arn: signingKeyArn(owner), account: owner.account, policy: this.model!.keyPolicies[owner.name] };
  }

  /** The central API's `POST /join`, with the API's resource policy. */
  join(): IamResource | undefined {
    const join = this.model?.join;
    const central = this.party('central');
    return join && central ? { arn: join.arn, account: central.account, policy: join.policy } : undefined;
  }
}

/** The principal of each function the model names, with its credential. */
export function functionPrincipals(model: LocalIamModel, credentials: FunctionCredentials): LocalPrincipal[] {
  return model.functions.map((fn) => {
    const credential = credentials[fn.name];
    if (!credential) throw new Error(`No local credential for function ${fn.name}`);
    return {
      name: fn.name,
      accessKeyId: credential.accessKeyId,
      secretAccessKey: credential.secretAccessKey,
      account: fn.account,
      arn: sessionArn(fn.account, fn.roleName),
      policies: fn.policies.map((policy) => policy.document),
    };
  });
}

/**
 * A caller outside the stacks — an agency's own role calling its IAM consumer side — as IAM sees it: a session of the
 * role, allowed to invoke APIs (its own account's policies are the agency's, not Sild's).
 */
export function callerPrincipal(roleOrUserArn: string, credential: { accessKeyId: string; secretAccessKey: string }): LocalPrincipal {
  const [, , , , account, resource] = /^arn:([^:]+):([^:]+):([^:]*):(\d{12}):(.+)$/.exec(roleOrUserArn) ?? [];
  const role = /^role\/(?:.*\/)?([^/]+)$/.exec(resource ?? '');
  return {
    name: roleOrUserArn,
    ...credential,
    account,
    arn: role ? sessionArn(account, role[1]) : roleOrUserArn,
    policies: [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: 'arn:aws:execute-api:*:*:*' }] }],
  };
}

/** The ARN of a method of a local API, as API Gateway names it for IAM (`…:<api-id>/<stage>/<METHOD>/<path>`). */
export function localApiArn(party: LocalParty, api: string, method: string, path: string): string {
  const id = api === 'central' ? LOCAL_CENTRAL_API.id : `sildlocal${party.name.replace(/[^a-z0-9]/g, '')}${api}`;
  return `arn:aws:execute-api:${party.region}:${party.account}:${id}/${LOCAL_CENTRAL_API.stage}/${method}${path}`;
}
