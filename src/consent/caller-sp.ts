import { ApiError } from '../common/errors/api-error';
import type { SpDirectory, SpProfile } from '../service-providers/sp-directory.service';

/** spId must name an existing SP, and that SP must be the caller. */
export async function assertCallerIsSp(directory: SpDirectory, caller: SpProfile, spId: string): Promise<void> {
  if (spId === caller.clientId) return;
  if (!(await directory.get(spId))) throw new ApiError('CONS_1000012', { spId });
  throw new ApiError('CONS_1000015', { spId });
}
