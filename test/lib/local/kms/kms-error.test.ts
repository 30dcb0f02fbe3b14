/** The one mapping of failures to KMS's error answer. */
import { KmsError, wireError } from '../../../../lib/local/kms/kms-error';

describe('wireError', () => {
  test('a KmsError answers with its own type and message, HTTP 400 unless it says otherwise', () => {
    expect(wireError(new KmsError('NotFoundException', 'no such key'))).toEqual({
      status: 400,
      body: { __type: 'NotFoundException', message: 'no such key' },
    });
    expect(wireError(new KmsError('KMSInternalException', 'down', 500))).toEqual({
      status: 500,
      body: { __type: 'KMSInternalException', message: 'down' },
    });
  });

  test('any other failure is KMS’s own: HTTP 500 KMSInternalException with its message', () => {
    expect(wireError(new Error('boom'))).toEqual({ status: 500, body: { __type: 'KMSInternalException', message: 'boom' } });
    expect(wireError('bare string')).toEqual({ status: 500, body: { __type: 'KMSInternalException', message: 'bare string' } });
  });
});
