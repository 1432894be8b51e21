import { apnsOutcome } from './apns.provider';
import { fcmOutcome } from './fcm.provider';
import { byStatus, networkFailure } from './push-provider';

describe('what a push provider answer means', () => {
  it.each([
    [200, 'delivered'],
    [201, 'delivered'],
    [408, 'retry'],
    [429, 'retry'],
    [500, 'retry'],
    [503, 'retry'],
    [400, 'rejected'],
    [403, 'rejected'],
    [413, 'rejected'],
  ])('HTTP %i is %s', (status, outcome) => {
    expect(byStatus(status)).toEqual({ outcome, statusCode: status, detail: undefined });
  });

  it('a timeout or a network error is retried, naming the cause', () => {
    expect(networkFailure(Object.assign(new Error('aborted'), { name: 'TimeoutError' }))).toEqual({ outcome: 'retry', detail: 'timeout' });
    expect(networkFailure(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toEqual({ outcome: 'retry', detail: 'ECONNREFUSED' });
  });

  describe('FCM', () => {
    it('UNREGISTERED (or 404) means the token is gone', () => {
      const body = { error: { status: 'NOT_FOUND', details: [{ errorCode: 'UNREGISTERED' }] } };
      expect(fcmOutcome(404, body)).toEqual({ outcome: 'unregistered', statusCode: 404, detail: 'UNREGISTERED' });
      expect(fcmOutcome(404, {})).toEqual({ outcome: 'unregistered', statusCode: 404, detail: 'NOT_FOUND' });
    });
    it('401 is a stale access token: retried', () => {
      expect(fcmOutcome(401, {})).toEqual({ outcome: 'retry', statusCode: 401, detail: 'UNAUTHENTICATED' });
    });
    it('INVALID_ARGUMENT is rejected, QUOTA_EXCEEDED retried', () => {
      expect(fcmOutcome(400, { error: { status: 'INVALID_ARGUMENT' } })).toEqual({ outcome: 'rejected', statusCode: 400, detail: 'INVALID_ARGUMENT' });
      expect(fcmOutcome(429, { error: { details: [{ errorCode: 'QUOTA_EXCEEDED' }] } })).toEqual({
        outcome: 'retry',
        statusCode: 429,
        detail: 'QUOTA_EXCEEDED',
      });
    });
  });

  describe('APNs', () => {
    it('410 or Unregistered means the token is gone', () => {
      expect(apnsOutcome(410, undefined)).toEqual({ outcome: 'unregistered', statusCode: 410, detail: 'Unregistered' });
      expect(apnsOutcome(400, 'Unregistered')).toEqual({ outcome: 'unregistered', statusCode: 400, detail: 'Unregistered' });
    });
    it('an expired or invalid provider token is retried; another 403 is rejected', () => {
      expect(apnsOutcome(403, 'ExpiredProviderToken')).toEqual({ outcome: 'retry', statusCode: 403, detail: 'ExpiredProviderToken' });
      expect(apnsOutcome(403, 'InvalidProviderToken')).toEqual({ outcome: 'retry', statusCode: 403, detail: 'InvalidProviderToken' });
      expect(apnsOutcome(403, 'BadCertificate')).toEqual({ outcome: 'rejected', statusCode: 403, detail: 'BadCertificate' });
    });
    it('BadDeviceToken is rejected, TooManyRequests retried', () => {
      expect(apnsOutcome(400, 'BadDeviceToken')).toEqual({ outcome: 'rejected', statusCode: 400, detail: 'BadDeviceToken' });
      expect(apnsOutcome(429, 'TooManyRequests')).toEqual({ outcome: 'retry', statusCode: 429, detail: 'TooManyRequests' });
    });
  });
});
