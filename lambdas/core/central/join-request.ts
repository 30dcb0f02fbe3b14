/**
 * The join request: what a gateway sends the central to register (or re-register) itself — its agency, member,
 * subsystems, services, provider URL and public keys — and the proof that it holds each key. The gateway builds and
 * signs it here; the central verifies it in `join.ts`.
 */
import * as z from '../kernel/schema';
import type { KeyRing, Signer } from '../kernel/ports';

/** The body of `POST /join`. */
export const joinRequestSchema = z.object({
  agency: z.string().check(z.minLength(1), z.maxLength(64)),
  /** The member's display name comes from the central config; a name sent here is ignored. */
  member: z.object({ id: z.string(), name: z.optional(z.string().check(z.maxLength(255))) }),
  subsystems: z.array(z.string()).check(z.minLength(1), z.maxLength(100)),
  services: z.array(z.object({ subsystem: z.string(), code: z.string() })).check(z.maxLength(1000)),
  gateway: z.object({
    id: z.string(),
    providerUrl: z.url({ protocol: /^https?$/ }),
    /** DER SPKI public keys, base64: the current key, plus the next one during a rotation. */
    publicKeys: z.array(z.string().check(z.minLength(1), z.maxLength(1024))).check(z.minLength(1), z.maxLength(4)),
  }),
  /** When the joiner signed the proofs. */
  signedAt: z.iso.datetime(),
  /** Proof of possession: per public key (same order), its DER signature (base64) over `joinProofBytes`. */
  proofs: z.array(z.string().check(z.minLength(1), z.maxLength(256))).check(z.minLength(1), z.maxLength(4)),
});

export type JoinRequest = z.infer<typeof joinRequestSchema>;
/** A join before it is signed. */
export type UnsignedJoinRequest = Omit<JoinRequest, 'signedAt' | 'proofs'>;

export const JOIN_PROOF_TYPE = 'sild.join-proof.v1';

/**
 * The bytes each registered key signs: the whole request in a fixed field order, with a type no other Sild
 * signature carries (a manifest, certificate or seal signed by the same key can never pass as a join proof).
 */
export function joinProofBytes(request: UnsignedJoinRequest, signedAt: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      type: JOIN_PROOF_TYPE,
      agency: request.agency,
      member: request.member.id,
      subsystems: request.subsystems,
      services: request.services.map((service) => [service.subsystem, service.code]),
      gateway: [request.gateway.id, request.gateway.providerUrl, request.gateway.publicKeys],
      signedAt,
    }),
  );
}

/**
 * What a gateway registers with the central: what the central publishes about it, besides its provider URL and its
 * keys — nothing else of the gateway's settings (its backends, maintenance, signing or logging) reaches the central,
 * so changing those never needs the central.
 */
export interface GatewayRegistration {
  /** The agency name the join allow-list knows. */
  readonly agency: string;
  /** The owning member `INST/CLASS/CODE`. */
  readonly member: string;
  /** The gateway's server id `INST/CLASS/CODE/SERVERCODE`. */
  readonly gatewayId: string;
  /** The member's subsystems this gateway serves. */
  readonly subsystems: readonly string[];
  /** The services it offers (ids only). */
  readonly services: readonly { readonly subsystem: string; readonly code: string }[];
}

/** The join request a gateway sends, from its registration and its public keys (to be signed with each). */
export function joinRequestFor(registration: GatewayRegistration, providerUrl: string, publicKeys: readonly Buffer[]): UnsignedJoinRequest {
  return {
    agency: registration.agency,
    member: { id: registration.member },
    subsystems: [...registration.subsystems],
    services: registration.services.map((service) => ({ subsystem: service.subsystem, code: service.code })),
    gateway: { id: registration.gatewayId, providerUrl, publicKeys: publicKeys.map((key) => key.toString('base64')) },
  };
}

/** The join a gateway sends: its registration and every key its ring publishes, each proving possession. */
export async function signedJoinRequest(registration: GatewayRegistration, providerUrl: string, keys: KeyRing, nowMs: number): Promise<JoinRequest> {
  const signers = await keys.published();
  const publicKeys = await Promise.all(signers.map((signer) => signer.publicKey()));
  return signJoinRequest(joinRequestFor(registration, providerUrl, publicKeys), signers, nowMs);
}

/** Signs a join with the gateway's key(s): one proof per public key, in order. */
export async function signJoinRequest(request: UnsignedJoinRequest, signers: readonly Signer[], nowMs: number): Promise<JoinRequest> {
  const signedAt = new Date(nowMs).toISOString();
  const bytes = joinProofBytes(request, signedAt);
  const proofs = await Promise.all(signers.map(async (signer) => (await signer.sign(bytes)).toString('base64')));
  return { ...request, signedAt, proofs };
}
