/**
 * Exercises the local KMS endpoint through the real `@aws-sdk/client-kms`
 * client, so a wire-protocol mismatch shows up here rather than in callers.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  EncryptCommand,
  GetPublicKeyCommand,
  KMSClient,
  ListAliasesCommand,
  SignCommand,
  VerifyCommand,
} from '@aws-sdk/client-kms';
import { LocalKmsEndpoint } from '../../../../lib/local/kms/local-kms-endpoint';

const REGION = 'eu-north-1';

function clientFor(endpoint: LocalKmsEndpoint): KMSClient {
  return new KMSClient({
    endpoint: endpoint.url,
    region: REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    // Faults must surface directly instead of being retried away.
    maxAttempts: 1,
  });
}

/** Resolves to the thrown error's name, failing the test if the call succeeds. */
async function errorName(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (err) {
    return (err as Error).name;
  }
  throw new Error('expected the call to fail');
}

async function createSigningKey(client: KMSClient, description = 'test key'): Promise<string> {
  const created = await client.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY', Description: description }));
  return created.KeyMetadata!.KeyId!;
}

describe('LocalKmsEndpoint (in memory)', () => {
  let endpoint: LocalKmsEndpoint;
  let kms: KMSClient;
  let keyId: string;
  const message = Buffer.from('hello, Sild');

  beforeAll(async () => {
    endpoint = await LocalKmsEndpoint.start();
    kms = clientFor(endpoint);
    keyId = await createSigningKey(kms);
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/sild-test', TargetKeyId: keyId }));
  });

  afterAll(async () => {
    kms.destroy();
    await endpoint.stop();
  });

  afterEach(() => endpoint.setFault(undefined));

  test('CreateKey returns KMS-shaped metadata', async () => {
    const { KeyMetadata: meta } = await kms.send(new DescribeKeyCommand({ KeyId: keyId }));
    expect(meta).toMatchObject({
      KeyId: keyId,
      Arn: `arn:aws:kms:${REGION}:000000000000:key/${keyId}`,
      KeySpec: 'ECC_NIST_P256',
      KeyUsage: 'SIGN_VERIFY',
      KeyState: 'Enabled',
      Enabled: true,
      Description: 'test key',
      SigningAlgorithms: ['ECDSA_SHA_256'],
    });
    expect(meta!.CreationDate).toBeInstanceOf(Date);
    expect(keyId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  test('resolves key id, key ARN, alias name and alias ARN to the same key', async () => {
    const references = [
      keyId,
      `arn:aws:kms:${REGION}:000000000000:key/${keyId}`,
      'alias/sild-test',
      `arn:aws:kms:${REGION}:000000000000:alias/sild-test`,
    ];
    for (const reference of references) {
      const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: reference }));
      expect(KeyMetadata!.KeyId).toBe(keyId);
    }
  });

  test('ListAliases returns the alias', async () => {
    const { Aliases } = await kms.send(new ListAliasesCommand({}));
    expect(Aliases).toEqual([
      expect.objectContaining({ AliasName: 'alias/sild-test', TargetKeyId: keyId, AliasArn: `arn:aws:kms:${REGION}:000000000000:alias/sild-test` }),
    ]);
  });

  test('GetPublicKey returns a DER SPKI P-256 key', async () => {
    const res = await kms.send(new GetPublicKeyCommand({ KeyId: 'alias/sild-test' }));
    const publicKey = crypto.createPublicKey({ key: Buffer.from(res.PublicKey!), format: 'der', type: 'spki' });
    expect(publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(res).toMatchObject({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY', SigningAlgorithms: ['ECDSA_SHA_256'] });
  });

  test('Sign RAW produces a DER ECDSA signature that node:crypto verifies', async () => {
    const { PublicKey } = await kms.send(new GetPublicKeyCommand({ KeyId: keyId }));
    const signed = await kms.send(
      new SignCommand({ KeyId: 'alias/sild-test', Message: message, MessageType: 'RAW', SigningAlgorithm: 'ECDSA_SHA_256' }),
    );
    expect(signed.KeyId).toBe(`arn:aws:kms:${REGION}:000000000000:key/${keyId}`);
    expect(signed.SigningAlgorithm).toBe('ECDSA_SHA_256');
    const publicKey = crypto.createPublicKey({ key: Buffer.from(PublicKey!), format: 'der', type: 'spki' });
    expect(crypto.verify('sha256', message, publicKey, Buffer.from(signed.Signature!))).toBe(true);
  });

  test('Verify accepts a good signature and rejects a bad one with KMSInvalidSignatureException', async () => {
    const { Signature } = await kms.send(new SignCommand({ KeyId: keyId, Message: message, SigningAlgorithm: 'ECDSA_SHA_256' }));
    const ok = await kms.send(new VerifyCommand({ KeyId: keyId, Message: message, Signature, SigningAlgorithm: 'ECDSA_SHA_256' }));
    expect(ok.SignatureValid).toBe(true);
    const tampered = Buffer.from('hello, Sild!');
    expect(await errorName(kms.send(new VerifyCommand({ KeyId: keyId, Message: tampered, Signature, SigningAlgorithm: 'ECDSA_SHA_256' })))).toBe(
      'KMSInvalidSignatureException',
    );
  });

  test('unknown keys and aliases are NotFoundException', async () => {
    expect(await errorName(kms.send(new DescribeKeyCommand({ KeyId: crypto.randomUUID() })))).toBe('NotFoundException');
    expect(await errorName(kms.send(new SignCommand({ KeyId: 'alias/nope', Message: message, SigningAlgorithm: 'ECDSA_SHA_256' })))).toBe(
      'NotFoundException',
    );
  });

  test('a DIGEST signature verifies, as a real KMS one does, against the message the digest came from', async () => {
    const digest = crypto.createHash('sha256').update(message).digest();
    const { Signature } = await kms.send(
      new SignCommand({ KeyId: keyId, Message: digest, MessageType: 'DIGEST', SigningAlgorithm: 'ECDSA_SHA_256' }),
    );
    const { PublicKey } = await kms.send(new GetPublicKeyCommand({ KeyId: keyId }));
    const publicKey = crypto.createPublicKey({ key: Buffer.from(PublicKey!), format: 'der', type: 'spki' });
    expect(crypto.verify('sha256', message, publicKey, Buffer.from(Signature!))).toBe(true);
    expect(
      (await kms.send(new VerifyCommand({ KeyId: keyId, Message: digest, MessageType: 'DIGEST', Signature, SigningAlgorithm: 'ECDSA_SHA_256' })))
        .SignatureValid,
    ).toBe(true);
  });

  test('a DIGEST of the wrong length and oversized RAW messages are ValidationException', async () => {
    expect(
      await errorName(
        kms.send(new SignCommand({ KeyId: keyId, Message: Buffer.alloc(20), MessageType: 'DIGEST', SigningAlgorithm: 'ECDSA_SHA_256' })),
      ),
    ).toBe('ValidationException');
    expect(await errorName(kms.send(new SignCommand({ KeyId: keyId, Message: Buffer.alloc(4097), SigningAlgorithm: 'ECDSA_SHA_256' })))).toBe(
      'ValidationException',
    );
  });

  test('wrong signing algorithm is InvalidKeyUsageException', async () => {
    expect(await errorName(kms.send(new SignCommand({ KeyId: keyId, Message: message, SigningAlgorithm: 'RSASSA_PSS_SHA_256' })))).toBe(
      'InvalidKeyUsageException',
    );
  });

  test('unsupported key specs and operations are refused', async () => {
    expect(await errorName(kms.send(new CreateKeyCommand({})))).toBe('UnsupportedOperationException');
    expect(await errorName(kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: message })))).toBe('UnsupportedOperationException');
    // A name the operations table inherits from Object is no operation either (it once echoed the request back).
    const inherited = clientFor(endpoint);
    inherited.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { headers: Record<string, string> };
        request.headers['x-amz-target'] = 'TrentService.constructor';
        return next(args);
      },
      { step: 'build' },
    );
    expect(await errorName(inherited.send(new DescribeKeyCommand({ KeyId: keyId })))).toBe('UnsupportedOperationException');
  });

  test('a disabled key cannot sign until re-enabled', async () => {
    const otherKey = await createSigningKey(kms, 'to disable');
    await kms.send(new DisableKeyCommand({ KeyId: otherKey }));
    const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: otherKey }));
    expect(KeyMetadata).toMatchObject({ Enabled: false, KeyState: 'Disabled' });
    expect(await errorName(kms.send(new SignCommand({ KeyId: otherKey, Message: message, SigningAlgorithm: 'ECDSA_SHA_256' })))).toBe(
      'DisabledException',
    );
    await kms.send(new EnableKeyCommand({ KeyId: otherKey }));
    await expect(kms.send(new SignCommand({ KeyId: otherKey, Message: message, SigningAlgorithm: 'ECDSA_SHA_256' }))).resolves.toBeDefined();
  });

  test('a throttle fault surfaces as ThrottlingException and clears after `remaining`', async () => {
    const before = endpoint.callCounts().Sign ?? 0;
    endpoint.setFault({ operation: 'Sign', kind: 'throttle', remaining: 2 });
    const sign = () => kms.send(new SignCommand({ KeyId: keyId, Message: message, SigningAlgorithm: 'ECDSA_SHA_256' }));
    // Other operations are unaffected by an operation-scoped fault.
    await expect(kms.send(new DescribeKeyCommand({ KeyId: keyId }))).resolves.toBeDefined();
    expect(await errorName(sign())).toBe('ThrottlingException');
    expect(await errorName(sign())).toBe('ThrottlingException');
    await expect(sign()).resolves.toBeDefined();
    expect(endpoint.callCounts().Sign).toBe(before + 3);
  });

  test('an unavailable fault is an HTTP 500 KMSInternalException', async () => {
    endpoint.setFault({ kind: 'unavailable', remaining: 1 });
    const err = await kms
      .send(new DescribeKeyCommand({ KeyId: keyId }))
      .catch((e: unknown) => e as { name: string; $metadata: { httpStatusCode?: number } });
    expect(err).toMatchObject({ name: 'KMSInternalException', $metadata: { httpStatusCode: 500 } });
    await expect(kms.send(new DescribeKeyCommand({ KeyId: keyId }))).resolves.toBeDefined();
  });

  test('a delay fault slows the answer but still succeeds', async () => {
    endpoint.setFault({ operation: 'DescribeKey', kind: 'delay', delayMs: 100, remaining: 1 });
    const started = Date.now();
    await expect(kms.send(new DescribeKeyCommand({ KeyId: keyId }))).resolves.toBeDefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
  });
});

describe('LocalKmsEndpoint (persistent)', () => {
  let stateDir: string;
  const running: LocalKmsEndpoint[] = [];
  const clients: KMSClient[] = [];

  async function startWithClient(): Promise<KMSClient> {
    const endpoint = await LocalKmsEndpoint.start({ stateDir });
    running.push(endpoint);
    const client = clientFor(endpoint);
    clients.push(client);
    return client;
  }

  beforeAll(() => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sild-kms-'));
  });

  afterAll(async () => {
    for (const client of clients) client.destroy();
    await Promise.all(running.map((endpoint) => endpoint.stop()));
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  test('keys and aliases survive a restart', async () => {
    const first = await startWithClient();
    const keyId = await createSigningKey(first, 'persistent');
    await first.send(new CreateAliasCommand({ AliasName: 'alias/persistent', TargetKeyId: keyId }));
    const before = await first.send(new GetPublicKeyCommand({ KeyId: keyId }));
    await running[0].stop();

    const stateFile = path.join(stateDir, 'keys.json');
    expect(fs.statSync(stateFile).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(stateDir)).toEqual(['keys.json']); // no temp files left behind

    const second = await startWithClient();
    const after = await second.send(new GetPublicKeyCommand({ KeyId: 'alias/persistent' }));
    expect(Buffer.from(after.PublicKey!).equals(Buffer.from(before.PublicKey!))).toBe(true);
    const { Signature } = await second.send(new SignCommand({ KeyId: keyId, Message: Buffer.from('x'), SigningAlgorithm: 'ECDSA_SHA_256' }));
    const publicKey = crypto.createPublicKey({ key: Buffer.from(before.PublicKey!), format: 'der', type: 'spki' });
    expect(crypto.verify('sha256', Buffer.from('x'), publicKey, Buffer.from(Signature!))).toBe(true);
  });
});
