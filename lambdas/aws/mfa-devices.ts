import { type IAMClient, type MFADevice, paginateListMFADevices } from '@aws-sdk/client-iam';
import { mfaDeviceKind } from '../core/mfa-device-kind.ts';
import type { MfaDevice } from '../core/user-facts.ts';
import { awsCall, isNoSuchEntity } from './aws-call-error.ts';

/** Every MFA device of the user, of any kind; undefined when the user does not exist. */
export async function listMfaDevices(iam: IAMClient, userName: string): Promise<MfaDevice[] | undefined> {
  try {
    return await awsCall('iam:ListMFADevices', async () => {
      const devices: MfaDevice[] = [];
      for await (const page of paginateListMFADevices({ client: iam }, { UserName: userName })) {
        devices.push(...(page.MFADevices ?? []).map(toMfaDevice));
      }
      return devices;
    });
  } catch (error) {
    if (isNoSuchEntity(error)) return undefined;
    throw error;
  }
}

export function toMfaDevice(device: MFADevice): MfaDevice {
  const serialNumber = device.SerialNumber ?? '';
  return { serialNumber, kind: mfaDeviceKind(serialNumber), enabledAt: device.EnableDate };
}
