import { BadRequestException, ForbiddenException, NotFoundException, PayloadTooLargeException, UnsupportedMediaTypeException } from '@nestjs/common';
import { ApiError } from './api-error';
import { toApiError } from './api-exception.filter';

const req = { method: 'POST', url: '/api/v1/nowhere?x=1', id: 'req-1' };
const code = (err: unknown) => toApiError(err, req, 1024).code;

describe('toApiError: anything thrown becomes one catalog error', () => {
  it('keeps an ApiError as it is', () => {
    const own = new ApiError('CONS_1000001');
    expect(toApiError(own, req, 1024)).toBe(own);
  });

  it.each([
    ['FST_ERR_CTP_INVALID_MEDIA_TYPE', 'REQ_1000003'],
    ['FST_ERR_CTP_BODY_TOO_LARGE', 'REQ_1000002'],
    ['FST_ERR_CTP_EMPTY_JSON_BODY', 'REQ_1000001'],
    ['FST_ERR_CTP_INVALID_JSON_BODY', 'REQ_1000001'],
    ['FST_ERR_CTP_INVALID_CONTENT_LENGTH', 'REQ_1000001'],
  ])("Fastify's %s is %s", (fastifyCode, expected) => {
    expect(code(Object.assign(new Error('x'), { code: fastifyCode }))).toBe(expected);
  });

  it('malformed JSON is REQ_1000001', () => {
    expect(code(new SyntaxError('Unexpected token'))).toBe('REQ_1000001');
  });

  it("Nest's 404 is REQ_1000004 naming the method and the path without its query", () => {
    const mapped = toApiError(new NotFoundException(), req, 1024);
    expect(mapped.code).toBe('REQ_1000004');
    expect(mapped.status).toBe(404);
    expect(mapped.body.desc.en).toContain('POST /api/v1/nowhere');
    expect(mapped.body.desc.en).not.toContain('x=1');
  });

  it.each([
    [new PayloadTooLargeException(), 'REQ_1000002'],
    [new UnsupportedMediaTypeException(), 'REQ_1000003'],
    [new BadRequestException(), 'REQ_1000005'],
    [new ForbiddenException(), 'REQ_1000005'],
    [Object.assign(new Error('too large'), { statusCode: 413 }), 'REQ_1000002'],
    [Object.assign(new Error('media'), { statusCode: 415 }), 'REQ_1000003'],
    [Object.assign(new Error('bad'), { statusCode: 400 }), 'REQ_1000005'],
  ])('a client error %p is %s', (err, expected) => {
    expect(code(err)).toBe(expected);
  });

  it('a Postgres data exception (class 22) is the caller’s bad request, REQ_1000005', () => {
    expect(code({ driverError: { code: '22P02' }, message: 'invalid input syntax for type uuid' })).toBe('REQ_1000005');
    expect(code({ code: '22021', message: 'invalid byte sequence' })).toBe('REQ_1000005');
  });

  it('anything else is REQ_1000007 (500), both languages naming the request id', () => {
    const mapped = toApiError(new Error('boom'), req, 1024);
    expect(mapped.status).toBe(500);
    expect(mapped.body.desc.en).toContain('req-1');
    expect(mapped.body.desc.ar).toContain('req-1');
  });
});
