import { describe, expect, it, vi } from 'vitest';
import { ApiError, ForbiddenError } from './errors';
import { isReauthRequired, ReauthCancelledError, withReauth } from './reauth';

const reauthRequired = () => new ForbiddenError('Authenticate again.', 403, 'reauthentication_required');

describe('withReauth', () => {
  it('runs the action once, without prompting, when it succeeds', async () => {
    const prompt = vi.fn(async () => true);
    expect(await withReauth(async () => 'done', prompt)).toBe('done');
    expect(prompt).not.toHaveBeenCalled();
  });

  it('prompts on 403 reauthentication_required, then retries once', async () => {
    const action = vi.fn().mockRejectedValueOnce(reauthRequired()).mockResolvedValueOnce('done');
    const prompt = vi.fn(async () => true);
    expect(await withReauth(action, prompt)).toBe('done');
    expect(prompt).toHaveBeenCalledTimes(1);
    expect(action).toHaveBeenCalledTimes(2);
  });

  it('a cancelled prompt: not retried, ReauthCancelledError', async () => {
    const action = vi.fn().mockRejectedValue(reauthRequired());
    await expect(withReauth(action, async () => false)).rejects.toBeInstanceOf(ReauthCancelledError);
    expect(action).toHaveBeenCalledTimes(1);
  });

  it('asked again after the retry: the error, never a second prompt', async () => {
    const action = vi.fn().mockRejectedValue(reauthRequired());
    const prompt = vi.fn(async () => true);
    await expect(withReauth(action, prompt)).rejects.toMatchObject({ code: 'reauthentication_required' });
    expect(prompt).toHaveBeenCalledTimes(1);
    expect(action).toHaveBeenCalledTimes(2);
  });

  it('any other error, another 403 included, goes straight to the caller', async () => {
    const prompt = vi.fn(async () => true);
    const forbidden = new ForbiddenError('No.', 403, 'permission_denied');
    await expect(withReauth(() => Promise.reject(forbidden), prompt)).rejects.toBe(forbidden);
    const failure = new ApiError('Down.', 503);
    await expect(withReauth(() => Promise.reject(failure), prompt)).rejects.toBe(failure);
    expect(prompt).not.toHaveBeenCalled();
  });

  it('isReauthRequired: only the 403 with that code', () => {
    expect(isReauthRequired(reauthRequired())).toBe(true);
    expect(isReauthRequired(new ApiError('x', 403, 'reauthentication_required'))).toBe(false);
    expect(isReauthRequired(new ForbiddenError('x', 403, 'permission_denied'))).toBe(false);
    expect(isReauthRequired(null)).toBe(false);
  });
});
