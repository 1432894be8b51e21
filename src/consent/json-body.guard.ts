import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../common/errors/api-error';

/**
 * The SP API speaks JSON only. Fastify also parses text/plain and (for the token endpoint)
 * forms, and those bodies would otherwise reach the signature check and fail as a bad
 * signature: answer the media-type error the SP can act on instead. Runs before the
 * signature guards.
 */
@Injectable()
export class JsonBodyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const contentType = context.switchToHttp().getRequest<FastifyRequest>().headers['content-type'] ?? '';
    if (contentType.split(';')[0].trim().toLowerCase() !== 'application/json') throw new ApiError('REQ_1000003', { expected: 'application/json' });
    return true;
  }
}
