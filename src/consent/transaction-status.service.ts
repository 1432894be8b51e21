import { Injectable } from '@nestjs/common';
import { ApiError } from '../common/errors/api-error';
import { SpDirectory, SpProfile } from '../service-providers/sp-directory.service';
import { isPending } from './consent-state-machine';
import { ConsentTransitions } from './consent-transitions.service';
import { TransactionRefDto, TransactionStatusResponseDto } from './dto/send-consent.dto';
import { assertCallerIsSp } from './send-consent.service';
import { StatusRepository, TransactionState } from './status.repository';

/** POST /status and /cancel: an SP looking at, or withdrawing, one of its own transactions. */
@Injectable()
export class TransactionStatusService {
  constructor(
    private readonly transactions: StatusRepository,
    private readonly sps: SpDirectory,
    private readonly transitions: ConsentTransitions,
  ) {}

  async status(caller: SpProfile, dto: TransactionRefDto): Promise<TransactionStatusResponseDto> {
    await assertCallerIsSp(this.sps, caller, dto.spId);
    // A send answered 201 but not yet on a replica reads CONS_1000010 for that moment.
    const tx = found(await this.transactions.findPolled({ spId: caller.clientId, spTransactionId: dto.spTransactionID }), dto);
    return { uaePassTransactionID: tx.id, spTransactionID: dto.spTransactionID, status: tx.status };
  }

  async cancel(caller: SpProfile, dto: TransactionRefDto): Promise<TransactionStatusResponseDto> {
    await assertCallerIsSp(this.sps, caller, dto.spId);
    const tx = found(await this.transactions.findOnPrimary({ spId: caller.clientId, spTransactionId: dto.spTransactionID }), dto);
    // Decided, or overdue (which the status route already answers as EXPIRED): name that status.
    if (!isPending(tx.status)) throw new ApiError('CONS_1000011', { spTransactionID: dto.spTransactionID, status: tx.status });
    await this.transitions.transition(tx.id, 'CANCELLED', `sp:${caller.clientId}`);
    return { uaePassTransactionID: tx.id, spTransactionID: dto.spTransactionID, status: 'CANCELLED' };
  }
}

/** The SP's transaction, or CONS_1000010 naming the id it asked for. */
function found(tx: TransactionState | undefined, dto: TransactionRefDto): TransactionState {
  if (!tx) throw new ApiError('CONS_1000010', { spTransactionID: dto.spTransactionID });
  return tx;
}
