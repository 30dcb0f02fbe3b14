/**
 * An item kind is the one definition its writer and its reader share: what a writer puts reads back as written,
 * through the document client's form of the item; a kind with a schema reads through it and refuses what it refuses;
 * a text kind stores its text as it is.
 */
import { unmarshall } from '@aws-sdk/util-dynamodb';
import * as z from 'zod';
import { jsonItem, schemaItem, textItem, type AttributeValueItem } from '../../../lambdas/adapters/item-kind';

/** The item as `GetCommand` returns it after a `PutItemCommand` of `item`. */
const stored = (item: AttributeValueItem) => unmarshall(item);

const KEY = { pk: 'CONFIG', sk: 'EXAMPLE' };

describe('item kinds', () => {
  test('a JSON kind writes its key first, then the payload as JSON in its attribute, and reads the payload back', () => {
    const kind = jsonItem<{ names: string[] }>(KEY, 'payload');
    const item = kind.write({ names: ['a', 'b'] });
    expect(JSON.stringify(item)).toBe('{"pk":{"S":"CONFIG"},"sk":{"S":"EXAMPLE"},"payload":{"S":"{\\"names\\":[\\"a\\",\\"b\\"]}"}}');
    expect(kind.key).toEqual(KEY);
    expect(kind.read(stored(item))).toEqual({ names: ['a', 'b'] });
  });

  test('an item whose attribute is not JSON is refused', () => {
    const kind = jsonItem<unknown>(KEY, 'payload');
    expect(() => kind.read({ ...KEY, payload: '{' })).toThrow(SyntaxError);
    expect(() => kind.read({ ...KEY })).toThrow(SyntaxError);
  });

  test('a text kind stores the text as it is (no JSON quoting) and reads it back byte for byte; an item without it is refused', () => {
    const kind = textItem(KEY, 'document');
    const text = '<?xml version="1.0"?>\r\n<a b="ü">\t"x" &amp; \\</a>\n';
    expect(kind.write(text)).toEqual({ pk: { S: 'CONFIG' }, sk: { S: 'EXAMPLE' }, document: { S: text } });
    expect(kind.read(stored(kind.write(text)))).toBe(text);
    expect(() => kind.read({ pk: 'CONFIG', sk: 'EXAMPLE' })).toThrow('The item CONFIG/EXAMPLE has no text in document');
  });

  describe('with a schema', () => {
    const schema = z.object({ names: z.array(z.string()).min(1), shards: z.number().default(4) });
    const kind = schemaItem(KEY, 'payload', schema);

    test('the payload is written as given (defaults are not written) and read with its defaults', () => {
      const item = kind.write({ names: ['a'] });
      expect(item.payload).toEqual({ S: '{"names":["a"]}' });
      expect(kind.read(stored(item))).toEqual({ names: ['a'], shards: 4 });
    });

    test('a stored payload the schema refuses is refused, naming the field', () => {
      expect(() => kind.read({ ...KEY, payload: '{"names":[]}' })).toThrow(z.ZodError);
      expect(() => kind.read({ ...KEY, payload: '{"names":[]}' })).toThrow(/names/);
    });
  });
});
