/**
 * The name this browser last signed in with, kept in localStorage (it is not a secret) so the
 * sign-in and register forms offer it again, and updated when this device is renamed.
 */
import { describeUserAgent } from './components/format';

export const DEVICE_NAME_KEY = 'device.name';

export function rememberedDeviceName(): string {
  try {
    return window.localStorage.getItem(DEVICE_NAME_KEY) ?? '';
  } catch {
    return ''; // storage disabled: nothing remembered
  }
}

/** Keeps `name` for the next sign-in; an empty name forgets it. */
export function rememberDeviceName(name: string): void {
  try {
    if (name.trim()) window.localStorage.setItem(DEVICE_NAME_KEY, name.trim());
    else window.localStorage.removeItem(DEVICE_NAME_KEY);
  } catch {
    /* storage full or disabled: the name is just not remembered */
  }
}

/** What this browser is called when the user gives no name, e.g. "Chrome on Linux" ("" when unknown). */
export function defaultDeviceName(userAgent: string = navigator.userAgent): string {
  return describeUserAgent(userAgent);
}
