import type { MfaDeviceKind } from './user-facts.ts';

const VIRTUAL_SERIAL = /^arn:[^:]+:iam::[^:]*:mfa\//;
const SECURITY_KEY_SERIAL = /^arn:[^:]+:iam::[^:]*:u2f\//;

/**
 * The kind of an MFA device, read from its serial number: `arn:…:mfa/NAME` is a
 * virtual (authenticator app) device, `arn:…:u2f/…` a FIDO security key or
 * passkey, anything else (`GAKT12345678`) a hardware TOTP token.
 */
export function mfaDeviceKind(serialNumber: string): MfaDeviceKind {
  if (VIRTUAL_SERIAL.test(serialNumber)) return 'virtual';
  if (SECURITY_KEY_SERIAL.test(serialNumber)) return 'security-key';
  return 'hardware-totp';
}
