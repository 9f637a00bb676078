/**
 * WebAuthn in the browser: the server's JSON options in, the credential's JSON out.
 *
 * The API speaks the WebAuthn Level 3 JSON forms (base64url without padding), so where the
 * browser has `PublicKeyCredential.parseCreationOptionsFromJSON` / `parseRequestOptionsFromJSON`
 * and `credential.toJSON()` they are used as they are. Older browsers (Safari before 18.4,
 * Firefox before 119...) lack some of them: the small fallback below turns the few binary
 * fields into ArrayBuffers and back, and nothing else.
 */

export type CreationOptionsJSON = PublicKeyCredentialCreationOptionsJSON;
export type RequestOptionsJSON = PublicKeyCredentialRequestOptionsJSON;
/** `RegistrationResponseJSON` or `AuthenticationResponseJSON`, sent to the server as it is. */
export type CredentialJSON = Record<string, unknown>;

/** Whether this browser can use passkeys at all (it has the WebAuthn API). */
export function passkeysSupported(): boolean {
  return (
    typeof window !== 'undefined' &&
    typeof window.PublicKeyCredential === 'function' &&
    typeof navigator.credentials?.get === 'function'
  );
}

/** Asks one of PublicKeyCredential's capability checks; false where it is missing or fails. */
async function ask(
  check: 'isConditionalMediationAvailable' | 'isUserVerifyingPlatformAuthenticatorAvailable',
) {
  if (!passkeysSupported() || typeof PublicKeyCredential[check] !== 'function') return false;
  try {
    return await PublicKeyCredential[check]();
  } catch {
    return false;
  }
}

/** Whether the browser offers passkeys in a field's autofill (`autocomplete="... webauthn"`). */
export function conditionalMediationAvailable(): Promise<boolean> {
  return ask('isConditionalMediationAvailable');
}

/** Whether this device itself can hold a passkey (a platform authenticator with user verification). */
export function platformAuthenticatorAvailable(): Promise<boolean> {
  return ask('isUserVerifyingPlatformAuthenticatorAvailable');
}

export function base64urlToBuffer(value: string): ArrayBuffer {
  const b64 = value.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes.buffer;
}

export function bufferToBase64url(value: ArrayBuffer | ArrayBufferView): string {
  const bytes =
    value instanceof ArrayBuffer
      ? new Uint8Array(value)
      : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

type Descriptor = PublicKeyCredentialDescriptorJSON;
const toDescriptor = (d: Descriptor): PublicKeyCredentialDescriptor => ({
  type: d.type as PublicKeyCredentialType,
  id: base64urlToBuffer(d.id),
  ...(d.transports ? { transports: d.transports as AuthenticatorTransport[] } : {}),
});

/** The browser's own parser, else ours: challenge, user id and credential ids become bytes. */
export function parseCreationOptions(json: CreationOptionsJSON): PublicKeyCredentialCreationOptions {
  if (
    typeof PublicKeyCredential !== 'undefined' &&
    typeof PublicKeyCredential.parseCreationOptionsFromJSON === 'function'
  )
    return PublicKeyCredential.parseCreationOptionsFromJSON(json);
  const { challenge, user, excludeCredentials, ...rest } = json;
  return {
    ...(rest as unknown as Omit<PublicKeyCredentialCreationOptions, 'challenge' | 'user'>),
    challenge: base64urlToBuffer(challenge),
    user: { ...user, id: base64urlToBuffer(user.id) },
    ...(excludeCredentials ? { excludeCredentials: excludeCredentials.map(toDescriptor) } : {}),
  };
}

export function parseRequestOptions(json: RequestOptionsJSON): PublicKeyCredentialRequestOptions {
  if (
    typeof PublicKeyCredential !== 'undefined' &&
    typeof PublicKeyCredential.parseRequestOptionsFromJSON === 'function'
  )
    return PublicKeyCredential.parseRequestOptionsFromJSON(json);
  const { challenge, allowCredentials, ...rest } = json;
  return {
    ...(rest as unknown as Omit<PublicKeyCredentialRequestOptions, 'challenge'>),
    challenge: base64urlToBuffer(challenge),
    ...(allowCredentials ? { allowCredentials: allowCredentials.map(toDescriptor) } : {}),
  };
}

const optional = (value: ArrayBuffer | null | undefined) => (value ? bufferToBase64url(value) : undefined);

/** The credential's JSON form: `toJSON()` where the browser has it, else built from its fields. */
export function credentialToJSON(credential: PublicKeyCredential): CredentialJSON {
  if (typeof credential.toJSON === 'function') return credential.toJSON() as CredentialJSON;
  const response = credential.response;
  const common = {
    id: credential.id,
    rawId: bufferToBase64url(credential.rawId),
    type: credential.type,
    authenticatorAttachment: credential.authenticatorAttachment ?? undefined,
    clientExtensionResults: credential.getClientExtensionResults(),
  };
  if ('attestationObject' in response) {
    const attestation = response as AuthenticatorAttestationResponse;
    return {
      ...common,
      response: {
        clientDataJSON: bufferToBase64url(attestation.clientDataJSON),
        attestationObject: bufferToBase64url(attestation.attestationObject),
        transports: typeof attestation.getTransports === 'function' ? attestation.getTransports() : undefined,
      },
    };
  }
  const assertion = response as AuthenticatorAssertionResponse;
  return {
    ...common,
    response: {
      clientDataJSON: bufferToBase64url(assertion.clientDataJSON),
      authenticatorData: bufferToBase64url(assertion.authenticatorData),
      signature: bufferToBase64url(assertion.signature),
      userHandle: optional(assertion.userHandle),
    },
  };
}

/** The user closed the browser's dialog, or it timed out, or we aborted it: nothing to report. */
export function isCeremonyCancelled(error: unknown): boolean {
  return error instanceof DOMException && (error.name === 'NotAllowedError' || error.name === 'AbortError');
}

/** Raised when the browser returned no credential (it should not happen: then the API is absent). */
export class NoCredentialError extends Error {
  override name = 'NoCredentialError';
}

/** Makes a new passkey from the server's options; returns its JSON for the server. */
export async function createCredential(
  options: CreationOptionsJSON,
  signal?: AbortSignal,
): Promise<CredentialJSON> {
  const credential = await navigator.credentials.create({
    publicKey: parseCreationOptions(options),
    ...(signal ? { signal } : {}),
  });
  if (!(credential instanceof PublicKeyCredential)) throw new NoCredentialError('No passkey was created.');
  return credentialToJSON(credential);
}

/**
 * Signs the server's challenge with a passkey the user picks. `mediation: 'conditional'` waits
 * for the user to choose one in the email field's autofill, until `signal` aborts it.
 */
export async function getAssertion(
  options: RequestOptionsJSON,
  { signal, mediation }: { signal?: AbortSignal; mediation?: CredentialMediationRequirement } = {},
): Promise<CredentialJSON> {
  const credential = await navigator.credentials.get({
    publicKey: parseRequestOptions(options),
    ...(signal ? { signal } : {}),
    ...(mediation ? { mediation } : {}),
  });
  if (!(credential instanceof PublicKeyCredential)) throw new NoCredentialError('No passkey was chosen.');
  return credentialToJSON(credential);
}
