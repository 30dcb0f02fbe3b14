/**
 * A kind of table item that one program writes and another reads — the deployment (a stack's custom resource, the
 * local runtime) or the operator (`sild keys rotate`) writes it, a function reads it — defined once: its key, the
 * attributes it is stored in and the type of what it holds. Writers put `kind.write(payload)` and readers take
 * `kind.read(item)`, so the two cannot disagree on an attribute or a type.
 *
 * A kind adds no validation of its own: one whose payload has a schema is read through it (as its reader parsed it
 * before), the others are trusted as written, since only the deployment or the operator may write them (the
 * functions' grants exclude their partitions). Everything here but the three helpers is types, so a Lambda bundle
 * carries no more than it did.
 */
import type * as z from '../core/kernel/schema';

/** Where an item is: its partition and sort key. */
export interface ItemKey {
  readonly pk: string;
  readonly sk: string;
}

/** An item in DynamoDB's attribute-value form: what a custom resource's `putItem` and `PutItemCommand` take. */
export type AttributeValueItem = Record<string, { S: string }>;

/** An item as the document client reads it (`GetCommand`'s `Item`). */
export type StoredItem = Readonly<Record<string, unknown>>;

export interface ItemKind<Written, Read = Written> {
  readonly key: ItemKey;
  /** The item holding `payload`, under `key`. */
  write(payload: Written): AttributeValueItem;
  /** What the item holds; throws when it is not what `write` writes (not JSON, or refused by the payload's schema). */
  read(item: StoredItem): Read;
}

/** The key's attributes, first in every item (the attribute order is part of the templates). */
export const keyAttributes = (key: ItemKey): AttributeValueItem => ({ pk: { S: key.pk }, sk: { S: key.sk } });

/**
 * A kind whose payload is stored as JSON in one attribute. Read back as written — the type is the writer's promise —
 * unless `parse` checks it.
 */
export function jsonItem<Written, Read = Written>(
  key: ItemKey,
  attribute: string,
  parse: (json: unknown) => Read = (json) => json as Read,
): ItemKind<Written, Read> {
  return {
    key,
    write: (payload) => ({ ...keyAttributes(key), [attribute]: { S: JSON.stringify(payload) } }),
    read: (item) => parse(JSON.parse(String(item[attribute]))),
  };
}

/** A JSON kind whose payload has a schema: written in its input form, read through it (defaults filled in). */
export function schemaItem<Schema extends z.ZodMiniType>(
  key: ItemKey,
  attribute: string,
  schema: Schema,
): ItemKind<z.input<Schema>, z.output<Schema>> {
  return jsonItem(key, attribute, (json) => schema.parse(json));
}

/** A kind whose payload is text, stored as it is in one attribute (a WSDL: served byte for byte as written). */
export function textItem(key: ItemKey, attribute: string): ItemKind<string> {
  return {
    key,
    write: (text) => ({ ...keyAttributes(key), [attribute]: { S: text } }),
    read: (item) => {
      const text = item[attribute];
      if (typeof text !== 'string') throw new TypeError(`The item ${key.pk}/${key.sk} has no text in ${attribute}`);
      return text;
    },
  };
}
