/** What the central registry holds: each agency's verified join, who may join, and the global groups. */
import type { JoinRequest } from './join-request';

/** One agency's entry in the registry: the verified join (its proofs checked), the member's name from the allow-list. */
export interface RegistryEntry extends Omit<JoinRequest, 'member' | 'signedAt' | 'proofs'> {
  readonly member: { readonly id: string; readonly name: string };
  readonly account: string;
  readonly joinedAt: string;
}

/**
 * Who may join: the AWS account that deploys each agency, and the member it registers. The deployment writes it
 * into the registry (it grows with the ecosystem; a function environment is limited to 4 KB).
 */
export interface AllowedAgency {
  readonly name: string;
  readonly account: string;
  readonly member: string;
  /** The member's display name, as the central operator registered it. */
  readonly memberName?: string;
}

/** A global group as the deployment defines it (the central config); published as `INST/code`. */
export interface GlobalGroup {
  readonly code: string;
  readonly description: string;
  readonly members: readonly string[];
}
