/**
 * The synth-time check of the concurrency plan (`lib/config/concurrency-plan.ts`) over every Sild deployment of one
 * CDK app: the central and each gateway register what they reserve where, and once the whole app is built, each
 * (account, Region) whose reservations exceed what Lambda lets them reserve gets a synth error on every party
 * deploying there — so the all-in-one app sums its gateways sharing an account, and an agency's own app its own.
 */
import { Annotations, Aspects, type IAspect } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { planOfParties, type ConcurrencyParty } from '../config/concurrency-plan';

/** The parties of one app (by its root), each with the construct that carries its errors. */
const partiesByRoot = new WeakMap<IConstruct, { party: ConcurrencyParty; scope: IConstruct }[]>();

/** Registers `party` (built by `scope`) with its app's concurrency check. */
export function checkLambdaConcurrency(scope: IConstruct, party: ConcurrencyParty): void {
  const root = scope.node.root;
  let parties = partiesByRoot.get(root);
  if (!parties) {
    partiesByRoot.set(root, (parties = []));
    // An aspect runs once the app is built, before synthesis collects the errors.
    Aspects.of(root).add(new ConcurrencyCheck(root, parties));
  }
  parties.push({ party, scope });
}

class ConcurrencyCheck implements IAspect {
  constructor(
    private readonly root: IConstruct,
    private readonly parties: readonly { party: ConcurrencyParty; scope: IConstruct }[],
  ) {}

  public visit(node: IConstruct): void {
    if (node !== this.root) return;
    for (const plan of planOfParties(this.parties.map((entry) => entry.party))) {
      if (plan.ok) continue;
      for (const { party, scope } of this.parties) {
        if (party.account === plan.account && party.region === plan.region) Annotations.of(scope).addError(plan.summary);
      }
    }
  }
}
