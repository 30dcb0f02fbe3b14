/**
 * A KMS signing key (ECC_NIST_P256, SIGN_VERIFY) with an alias, kept on stack deletion: the central key signs the
 * global configuration (its public key is the anchor every gateway trusts), a gateway's key signs its messages.
 * Asymmetric keys have no automatic rotation: rotate by adding a new key and publishing both during an overlap.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { INITIAL_SIGNING_KEY, type SigningKeysConfig } from '../config/config-parts';

export interface SigningKeyProps {
  /** Alias without the `alias/` prefix, e.g. `sild/DEV/central`; characters outside `[A-Za-z0-9/_-]` become `-`. */
  readonly alias: string;
  /** What the key signs. */
  readonly description: string;
}

export class SigningKey extends Construct {
  public readonly key: kms.IKey;

  constructor(scope: Construct, id: string, props: SigningKeyProps) {
    super(scope, id);
    this.key = new kms.Key(this, 'Key', {
      keySpec: kms.KeySpec.ECC_NIST_P256,
      keyUsage: kms.KeyUsage.SIGN_VERIFY,
      description: props.description,
      alias: `alias/${props.alias.replace(/[^A-Za-z0-9/_-]/g, '-')}`,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /** Allows signing with this key (and reading its public key, which the signer publishes). */
  public grantSign(grantee: iam.IGrantable): iam.Grant {
    return this.key.grant(grantee, 'kms:Sign', 'kms:GetPublicKey');
  }

  /** Allows reading the public key only. */
  public grantGetPublicKey(grantee: iam.IGrantable): iam.Grant {
    return this.key.grant(grantee, 'kms:GetPublicKey');
  }
}

/** A deployment's signing keys (`signingKeys` in its config): the one that signs and every one it publishes. */
export interface SigningKeySet {
  readonly current: SigningKey;
  /** Includes `current`. */
  readonly published: readonly SigningKey[];
}

/**
 * Creates the keys `keys` names in `scope`. The `initial` key keeps the id and alias the first deployment gave it
 * (`SigningKey`, `<alias>`), so adding keys never replaces it; the others are `SigningKey-<name>`, `<alias>/<name>`.
 * A name dropped from the list leaves the template and stays in KMS (RETAIN).
 */
export function signingKeySet(scope: Construct, props: SigningKeyProps & { readonly keys?: SigningKeysConfig }): SigningKeySet {
  const keys = props.keys ?? { published: [INITIAL_SIGNING_KEY], current: INITIAL_SIGNING_KEY };
  const published = keys.published.map((name) =>
    name === INITIAL_SIGNING_KEY
      ? new SigningKey(scope, 'SigningKey', { alias: props.alias, description: props.description })
      : new SigningKey(scope, `SigningKey-${name}`, { alias: `${props.alias}/${name}`, description: `${props.description} (key ${name})` }),
  );
  return { current: published[keys.published.indexOf(keys.current)], published };
}
