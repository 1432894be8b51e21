import { Body, Controller, Get, Param, Patch, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuditedRead } from '../privacy/access-audit';
import { Authenticated } from '../security/authenticated.decorator';
import {
  CountTransactionsQuery,
  ListServiceProvidersQuery,
  SearchTransactionsQuery,
  ServiceProviderViewDto,
  StatusCountsDto,
  TransactionPageDto,
  UpdateServiceProviderDto,
} from './ops-dto';
import { OpsServiceProvidersService } from './ops-service-providers.service';
import { OpsTransactionsService } from './ops-transactions.service';
import { ServiceProviderPageDto, TransactionDetailDto } from './dto/admin-responses.dto';

@ApiTags('Admin: operations')
@Controller('admin/v1/transactions')
@Authenticated('admin')
export class OpsTransactionsController {
  constructor(private readonly transactions: OpsTransactionsService) {}

  @Get()
  @ApiOperation({ summary: 'Search transactions (status, SP, ids, time range), newest first, cursor-paged' })
  @ApiOkResponse({ type: TransactionPageDto })
  @AuditedRead('transaction', 'uaePassTransactionID')
  search(@Query() query: SearchTransactionsQuery) {
    return this.transactions.search(query);
  }

  @Get('counts')
  @ApiOperation({ summary: 'How many transactions were created in a period, per status' })
  @ApiOkResponse({ type: StatusCountsDto })
  counts(@Query() query: CountTransactionsQuery) {
    return this.transactions.counts(query);
  }

  @Get(':uaePassTransactionID')
  @ApiOperation({ summary: 'One transaction: documents, event history, notification and callback attempts, outbox rows' })
  @AuditedRead('transaction', 'uaePassTransactionID')
  @ApiOkResponse({ type: TransactionDetailDto })
  get(@Param('uaePassTransactionID') id: string) {
    return this.transactions.get(id);
  }
}

@ApiTags('Admin: operations')
@Controller('admin/v1/service-providers')
@Authenticated('admin')
export class OpsServiceProvidersController {
  constructor(private readonly sps: OpsServiceProvidersService) {}

  @Get()
  @ApiOperation({ summary: 'List SPs (never their secrets), paged by clientId' })
  @ApiOkResponse({ type: ServiceProviderPageDto })
  list(@Query() query: ListServiceProvidersQuery) {
    return this.sps.list(query);
  }

  @Get(':clientId')
  @ApiOkResponse({ type: ServiceProviderViewDto })
  @ApiOperation({ summary: 'One SP (never its secrets)' })
  get(@Param('clientId') clientId: string) {
    return this.sps.get(clientId);
  }

  @Patch(':clientId')
  @ApiOperation({ summary: 'Change callback URL, callback API key, consent TTL, names, or disable/enable an SP' })
  @ApiOkResponse({ type: ServiceProviderViewDto })
  update(@Param('clientId') clientId: string, @Body() dto: UpdateServiceProviderDto) {
    return this.sps.update(clientId, dto);
  }
}
