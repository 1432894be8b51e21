import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ApiError } from '../common/errors/api-error';
import { runPrepared } from '../database/prepared';
import { InjectReadDataSource } from '../database/read-database';
import { SpDirectory, SpProfile } from '../service-providers/sp-directory.service';
import { ConsentStatus, EFFECTIVE_STATUS_SQL, isPending } from './consent-state-machine';
import { ConsentTransitions } from './consent-transitions.service';
import { TransactionRefDto, TransactionStatusResponseDto } from './dto/send-consent.dto';
import { assertCallerIsSp } from './send-consent.service';

/** POST /status and /cancel: an SP looking at, or withdrawing, one of its own transactions. */
@Injectable()
export class TransactionStatusService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectReadDataSource() private readonly readDb: DataSource,
    private readonly sps: SpDirectory,
    private readonly transitions: ConsentTransitions,
  ) {}

  async status(caller: SpProfile, dto: TransactionRefDto): Promise<TransactionStatusResponseDto> {
    await assertCallerIsSp(this.sps, caller, dto.spId);
    // Polling may read a replica (DATABASE_READ_URL): a status there can trail a decision by the
    // replica's lag, which a poller sees one poll later. A send answered 201 but not yet replicated
    // reads CONS_1000010 for that moment.
    const tx = await this.find(this.readDb, caller.clientId, dto.spTransactionID);
    return { uaePassTransactionID: tx.id, spTransactionID: dto.spTransactionID, status: tx.status };
  }

  async cancel(caller: SpProfile, dto: TransactionRefDto): Promise<TransactionStatusResponseDto> {
    await assertCallerIsSp(this.sps, caller, dto.spId);
    // Cancel decides on the primary's truth, never on a lagging copy.
    const tx = await this.find(this.db, caller.clientId, dto.spTransactionID);
    // Decided, or overdue (which the status route already answers as EXPIRED): name that status.
    if (!isPending(tx.status)) throw new ApiError('CONS_1000011', { spTransactionID: dto.spTransactionID, status: tx.status });
    await this.transitions.transition(tx.id, 'CANCELLED', `sp:${caller.clientId}`);
    return { uaePassTransactionID: tx.id, spTransactionID: dto.spTransactionID, status: 'CANCELLED' };
  }

  /** Through the idempotency table: one primary-key probe, then one partition (the id names its month). */
  private async find(db: DataSource, spId: string, spTransactionId: string): Promise<{ id: string; status: ConsentStatus }> {
    const rows = await runPrepared<{ id: string; status: ConsentStatus }>(
      db,
      'consent_status_by_sp_tx',
      `SELECT t.id, ${EFFECTIVE_STATUS_SQL} AS status
         FROM consent_idempotency i JOIN consent_transactions t ON t.id = i.transaction_id
        WHERE i.sp_id = $1 AND i.sp_transaction_id = $2`,
      [spId, spTransactionId],
    );
    if (!rows[0]) throw new ApiError('CONS_1000010', { spTransactionID: spTransactionId });
    return rows[0];
  }
}
