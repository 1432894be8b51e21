import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { DECISION_MEDIA_TYPE } from '../common/media-types';
import { ApiError } from '../common/errors/api-error';

/**
 * A decision must say what it is (PingOne's vendor media type idea): plain application/json is
 * parsed by the app for other routes, so it is refused here, naming the expected type.
 */
@Injectable()
export class DecisionMediaTypeGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    const mediaType = String(req.headers['content-type'] ?? '')
      .split(';')[0]
      .trim()
      .toLowerCase();
    if (mediaType !== DECISION_MEDIA_TYPE) throw new ApiError('REQ_1000003', { expected: DECISION_MEDIA_TYPE });
    return true;
  }
}
