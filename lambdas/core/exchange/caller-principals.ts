/**
 * IAM consumer access: which AWS principal may act as which client subsystem. The consumer-side API authenticates
 * the caller (SigV4) and its resource policy admits only the configured principals; this check then binds each
 * principal to its subsystems, so one principal of the agency's account cannot act as every subsystem.
 */
import { clientError } from '../kernel/errors';
import type { CallerIdentity } from '../kernel/http';

export interface BoundPrincipal {
  /** `arn:aws:iam::ACCOUNT:role/[PATH/]NAME` or `…:user/[PATH/]NAME`. */
  readonly arn: string;
  readonly subsystems: readonly string[];
}

const ROLE = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/;
const ASSUMED_ROLE = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/;

/**
 * True when the caller is the bound principal: the same ARN, or a session of the bound role (a role's callers
 * sign as `arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION`, without the role's path).
 */
export function principalMatches(boundArn: string, callerArn: string): boolean {
  if (boundArn === callerArn) return true;
  const role = ROLE.exec(boundArn);
  const session = ASSUMED_ROLE.exec(callerArn);
  return role !== null && session !== null && role[1] === session[1] && role[2] === session[2] && role[3] === session[3];
}

/** Refuses a caller that may not act as the client subsystem (when principals are bound at all). */
export function checkCallerMayActAs(
  principals: readonly BoundPrincipal[] | undefined,
  identity: CallerIdentity | undefined,
  subsystemCode: string,
): void {
  if (principals === undefined) return;
  const caller = identity?.userArn;
  if (!caller) throw clientError('Unauthorized', 'The consumer side requires an authenticated AWS principal');
  if (!principals.some((principal) => principal.subsystems.includes(subsystemCode) && principalMatches(principal.arn, caller))) {
    throw clientError('Unauthorized', `${caller} may not act as subsystem ${subsystemCode}`);
  }
}
