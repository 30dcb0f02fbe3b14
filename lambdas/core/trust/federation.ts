/**
 * The configurations a gateway trusts: its own instance's, and — for each instance its central federates with
 * (`federatedInstances` of the own configuration) and this gateway opted in to — that instance's, verified with the
 * anchor the own central published for it. Each foreign configuration has its own cache with the same refresh,
 * expiry, last-kept-copy and rollback rules as the own one (`GlobalConfigurationCache`), so an expired foreign
 * configuration stops only that instance's exchanges.
 *
 * This is X-Road's federation model: the central server's trusted anchors of other instances, and each security
 * server's opt-in to the federations it takes part in.
 */
import { XRoadError, type FaultOrigin } from '../kernel/errors';
import { GlobalConfigurationCache, type GlobalConfigurationCacheOptions } from './global-configuration-cache';
import type { FederatedInstance, GlobalConfiguration } from './global-configuration';
import { instanceOfId } from '../kernel/identifiers';

/** The configurations gateways act on: the own one, and the one an identifier's instance names. */
export interface TrustedConfigurations {
  /** The own instance's configuration (or `OutdatedGlobalConf`). */
  current(): Promise<GlobalConfiguration>;
  /**
   * The configuration of `instance`: the own one, or a federated instance's this gateway follows. An instance the
   * central does not federate with, or one this gateway did not opt in to, is `UnknownMember` from `origin`.
   */
  forInstance(instance: string, origin: FaultOrigin): Promise<GlobalConfiguration>;
}

export interface FederatedConfigurationsOptions {
  /** The own instance's configuration. */
  readonly own: Pick<GlobalConfigurationCache, 'current'>;
  /** The instances this gateway opted in to. @default none */
  readonly optIn?: readonly string[];
  /** A cache for a federated instance's configuration, anchored as its entry says. */
  readonly cacheFor: (entry: FederatedInstance) => Pick<GlobalConfigurationCache, 'current'>;
}

export class FederatedConfigurations implements TrustedConfigurations {
  /** One cache per federated instance, replaced when the own central publishes another anchor or source for it. */
  private readonly foreign = new Map<string, { entry: string; source: FederatedInstance; cache: Pick<GlobalConfigurationCache, 'current'> }>();

  constructor(private readonly options: FederatedConfigurationsOptions) {}

  current(): Promise<GlobalConfiguration> {
    return this.options.own.current();
  }

  async forInstance(instance: string, origin: FaultOrigin): Promise<GlobalConfiguration> {
    const own = await this.options.own.current();
    if (instance === own.instance) return own;
    const entry = own.federatedInstance(instance);
    if (!entry) throw new XRoadError(origin, 'UnknownMember', `Instance ${instance} is not federated with ${own.instance}`);
    if (!(this.options.optIn ?? []).includes(instance)) {
      throw new XRoadError(origin, 'UnknownMember', `This gateway does not take part in the federation with ${instance}`);
    }
    let held = this.foreign.get(instance);
    // The same entry object while the own configuration is unchanged; a new configuration's equal entry keeps the cache.
    if (held?.source !== entry) {
      const key = JSON.stringify(entry);
      if (held?.entry !== key) held = { entry: key, source: entry, cache: this.options.cacheFor(entry) };
      else held = { ...held, source: entry };
      this.foreign.set(instance, held);
    }
    return held.cache.current();
  }
}

/** The cache options of a federated instance: its anchor, as the own central published it. */
export function federatedCacheOptions(
  entry: FederatedInstance,
  base: Omit<GlobalConfigurationCacheOptions, 'anchor'>,
): GlobalConfigurationCacheOptions {
  return { ...base, anchor: { instance: entry.instance, publicKey: entry.anchorPublicKey } };
}

type PublicKeyLookup = Pick<GlobalConfiguration, 'publicKey'>;

/**
 * Public keys of gateways of any instance, each looked up only in its own instance's configurations — the own ones,
 * or a federated instance's (a configuration speaks for its instance alone). Audits and evidence use it for records
 * of cross-border exchanges, which a foreign gateway signed.
 */
export function keysByInstance(ownInstance: string, own: PublicKeyLookup, foreign: ReadonlyMap<string, PublicKeyLookup>): PublicKeyLookup {
  return {
    publicKey: (gatewayId, keyId) => {
      const instance = instanceOfId(gatewayId);
      return instance === ownInstance ? own.publicKey(gatewayId, keyId) : foreign.get(instance)?.publicKey(gatewayId, keyId);
    },
  };
}
