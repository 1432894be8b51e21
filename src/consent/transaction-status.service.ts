import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ApiError } from '../common/errors/api-error';
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
    private readonly sps: SpDirectory,
    private readonly transitions: ConsentTransitions,
  ) {}

  async status(caller: SpProfile, dto: TransactionRefDto): Promise<TransactionStatusResponseDto> {
    await assertCallerIsSp(this.sps, caller, dto.spId);
    const tx = await this.find(caller.clientId, dto.spTransactionID);
    return { uaePassTransactionID: tx.id, spTransactionID: dto.spTransactionID, status: tx.status };
  }

  async cancel(caller: SpProfile, dto: TransactionRefDto): Promise<TransactionStatusResponseDto> {
    await assertCallerIsSp(this.sps, caller, dto.spId);
    const tx = await this.find(caller.clientId, dto.spTransactionID);
    // Decided, or overdue (which the status route already answers as EXPIRED): name that status.
    if (!isPending(tx.status)) throw new ApiError('CONS_1000011', { spTransactionID: dto.spTransactionID, status: tx.status });
    await this.transitions.transition(tx.id, 'CANCELLED', `sp:${caller.clientId}`);
    return { uaePassTransactionID: tx.id, spTransactionID: dto.spTransactionID, status: 'CANCELLED' };
  }

  private async find(spId: string, spTransactionId: string): Promise<{ id: string; status: ConsentStatus }> {
    const rows: { id: string; status: ConsentStatus }[] = await this.db.query(
      `SELECT id, ${EFFECTIVE_STATUS_SQL} AS status
         FROM consent_transactions WHERE sp_id = $1 AND sp_transaction_id = $2`,
      [spId, spTransactionId],
    );
    if (!rows[0]) throw new ApiError('CONS_1000010', { spTransactionID: spTransactionId });
    return rows[0];
  }
}
