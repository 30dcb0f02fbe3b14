/** The JSON 1.1 wire: reading the operation, the body and its fields; writing answers the SDK understands. */
import type * as http from 'http';
import { KmsError } from '../../../../lib/local/kms/kms-error';
import {
  optionalString,
  parseJsonBody,
  parseOperation,
  requireBlob,
  requireString,
  sendError,
  sendJson,
  SIGNATURE_ERRORS,
  tagValue,
} from '../../../../lib/local/kms/wire';
import { kmsErrorType } from '../../../support/kms-errors';

const requestWith = (headers: http.IncomingHttpHeaders) => ({ headers }) as http.IncomingMessage;

/** A response that records what is written to it. */
function recordingResponse(state: { headersSent?: boolean } = {}) {
  const written: { status?: number; headers?: Record<string, unknown>; body?: string } = {};
  const res = {
    headersSent: state.headersSent ?? false,
    destroyed: false,
    writeHead(status: number, headers: Record<string, unknown>) {
      written.status = status;
      written.headers = headers;
    },
    end(payload: Buffer) {
      written.body = payload.toString('utf8');
    },
  };
  return { res: res as unknown as http.ServerResponse, written };
}

describe('reading requests', () => {
  test('the operation is what X-Amz-Target names after TrentService.', () => {
    expect(parseOperation(requestWith({ 'x-amz-target': 'TrentService.Sign' }))).toBe('Sign');
    expect(kmsErrorType(() => parseOperation(requestWith({})))).toBe('UnsupportedOperationException');
    expect(kmsErrorType(() => parseOperation(requestWith({ 'x-amz-target': 'DynamoDB_20120810.GetItem' })))).toBe('UnsupportedOperationException');
  });

  test('the body is a JSON object (an empty body is an empty one); anything else is SerializationException', () => {
    expect(parseJsonBody(Buffer.alloc(0))).toEqual({});
    expect(parseJsonBody(Buffer.from('{"KeyId":"k"}'))).toEqual({ KeyId: 'k' });
    expect(kmsErrorType(() => parseJsonBody(Buffer.from('{')))).toBe('SerializationException');
    expect(kmsErrorType(() => parseJsonBody(Buffer.from('[1]')))).toBe('SerializationException');
  });

  test('fields: a string of the wrong type is SerializationException, a missing or empty required one ValidationException', () => {
    expect(optionalString({ KeyId: null }, 'KeyId')).toBeUndefined();
    expect(kmsErrorType(() => optionalString({ KeyId: 7 }, 'KeyId'))).toBe('SerializationException');
    expect(kmsErrorType(() => requireString({ KeyId: '' }, 'KeyId'))).toBe('ValidationException');
    expect(requireString({ KeyId: 'k' }, 'KeyId')).toBe('k');
  });

  test('blobs are strict base64', () => {
    expect(requireBlob({ Message: Buffer.from('hi').toString('base64') }, 'Message')).toEqual(Buffer.from('hi'));
    expect(kmsErrorType(() => requireBlob({ Message: 'aGk' }, 'Message'))).toBe('SerializationException');
    expect(kmsErrorType(() => requireBlob({ Message: 'a-b_' }, 'Message'))).toBe('SerializationException');
  });

  test('a tag of a CreateKey request is read by its key', () => {
    const request = {
      Tags: [
        { TagKey: 'team', TagValue: 'x' },
        { TagKey: 'sild:party', TagValue: 'central' },
      ],
    };
    expect(tagValue(request, 'sild:party')).toBe('central');
    expect(tagValue(request, 'absent')).toBeUndefined();
    expect(tagValue({}, 'sild:party')).toBeUndefined();
  });
});

describe('writing answers', () => {
  test('JSON 1.1 content type, length and a request id', () => {
    const { res, written } = recordingResponse();
    sendJson(res, 200, { KeyId: 'k' });
    expect(written.status).toBe(200);
    expect(written.body).toBe('{"KeyId":"k"}');
    expect(written.headers).toMatchObject({
      'Content-Type': 'application/x-amz-json-1.1',
      'Content-Length': 13,
      'x-amzn-RequestId': expect.any(String),
    });
  });

  test('an error answers with its status and { __type, message }', () => {
    const { res, written } = recordingResponse();
    sendError(res, new KmsError('DisabledException', 'disabled'));
    expect(written.status).toBe(400);
    expect(JSON.parse(written.body!)).toEqual({ __type: 'DisabledException', message: 'disabled' });
  });

  test('nothing is written once the answer has started', () => {
    const { res, written } = recordingResponse({ headersSent: true });
    sendJson(res, 200, {});
    expect(written).toEqual({});
  });

  test('a request that cannot be authenticated gets the error names every AWS JSON service gives', () => {
    expect(Object.fromEntries(Object.entries(SIGNATURE_ERRORS).map(([refusal, err]) => [refusal, err.type]))).toEqual({
      MissingAuthenticationToken: 'MissingAuthenticationTokenException',
      UnrecognizedClient: 'UnrecognizedClientException',
      InvalidSignature: 'InvalidSignatureException',
    });
  });
});
