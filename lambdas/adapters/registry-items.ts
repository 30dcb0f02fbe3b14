/**
 * The items of the central registry that the central function reads but never writes: what the deployment puts
 * (the central stack's custom resources, the local runtime) and the central key ring the operator's rotation puts.
 */
import type { AllowedAgency, GlobalGroup } from '../core/central/registry';
import type { FederatedInstance } from '../core/trust/global-configuration';
import { jsonItem, keyAttributes, type ItemKey, type ItemKind } from './item-kind';
import type { KeyRingState } from './kms-key-ring';
import { CONFIG_PK, KEYS_PK } from './tables';

/** A list the deployment writes whole, as JSON in one attribute. */
const listItem = <Entry>(sk: string, attribute: string) => jsonItem<readonly Entry[], Entry[]>({ pk: CONFIG_PK, sk }, attribute);

/** Who may join as which agency and member (the join checks each join against it). */
export const JOIN_ALLOW_LIST_ITEM = listItem<AllowedAgency>('JOIN-ALLOW-LIST', 'agencies');

/** The global groups, published in the global configuration. */
export const GLOBAL_GROUPS_ITEM = listItem<GlobalGroup>('GLOBAL-GROUPS', 'groups');

/** The federated instances and the anchors trusted for them, published in the global configuration. */
export const FEDERATED_INSTANCES_ITEM = listItem<FederatedInstance>('FEDERATED-INSTANCES', 'instances');

const CENTRAL_KEYS_KEY: ItemKey = { pk: KEYS_PK, sk: 'CENTRAL' };

/** The central key ring after a rotation: the key that signs in `current`, the keys in use so far (JSON) in `published`. */
export const CENTRAL_KEYS_ITEM: ItemKind<KeyRingState> = {
  key: CENTRAL_KEYS_KEY,
  write: (keys) => ({ ...keyAttributes(CENTRAL_KEYS_KEY), current: { S: keys.current }, published: { S: JSON.stringify(keys.published) } }),
  read: (item) => ({ current: String(item.current), published: JSON.parse(String(item.published)) as string[] }),
};
