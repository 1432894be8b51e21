import { ApiError } from '../common/errors/api-error';
import { accessReasonOf } from './access-audit';

describe('accessReasonOf (X-Access-Reason)', () => {
  it('is optional: absent or blank means no reason', () => {
    expect(accessReasonOf(undefined)).toBeNull();
    expect(accessReasonOf('   ')).toBeNull();
  });

  it('keeps one trimmed line, Arabic included', () => {
    expect(accessReasonOf('  Ticket 4711  ')).toBe('Ticket 4711');
    expect(accessReasonOf('طلب المستخدم')).toBe('طلب المستخدم');
    expect(accessReasonOf('x'.repeat(500))).toHaveLength(500);
  });

  it.each([['x'.repeat(501)], ['line one\nline two'], ['tab\there'], ['nul\u0000']])('refuses %j with PRV_1000001', (value) => {
    expect(() => accessReasonOf(value)).toThrow(ApiError);
    try {
      accessReasonOf(value);
    } catch (err) {
      expect((err as ApiError).code).toBe('PRV_1000001');
      expect((err as ApiError).status).toBe(400);
    }
  });
});
