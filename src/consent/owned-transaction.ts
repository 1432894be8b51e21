import type { EntityManager } from 'typeorm';
import { ApiError } from '../common/errors/api-error';
import type { ConsentRepository, TransactionRow } from './consent.repository';

/**
 * The user's own transaction, for every /app/v1/consents/{id} route. Another user's transaction,
 * or an id that names none, answers exactly like a missing one (no existence leak).
 */
export async function ownedTransaction(consents: ConsentRepository, userId: string, transactionId: string, m?: EntityManager): Promise<TransactionRow> {
  const row = await consents.findOwned(userId, transactionId, m);
  if (!row) throw transactionNotFound(transactionId);
  return row;
}

/** CONS_1000019, naming at most 64 characters of what the caller sent. */
export function transactionNotFound(transactionId: string): ApiError {
  return new ApiError('CONS_1000019', { uaePassTransactionID: transactionId.slice(0, 64) });
}
