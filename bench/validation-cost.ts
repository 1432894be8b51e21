/**
 * CPU per request of the body validation (CatalogValidationPipe) on the send and status bodies,
 * measured in this process (process.cpuUsage, so a busy machine slows it but does not skew it).
 *
 *   node dist/bench/validation-cost.js [--count N]
 */
import 'reflect-metadata';
import { ValidationPipe } from '@nestjs/common';
// Every DTO of the app registered, as in the server (class-validator scans all of them per object).
import '../src/app.module';
import { CatalogValidationPipe } from '../src/common/validation.pipe';
import { SendConsentDto, TransactionRefDto } from '../src/consent/dto/send-consent.dto';
import { sampleSendBody } from '../src/consent/sample-request';

async function perCall(label: string, count: number, run: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < 2000; i++) await run();
  const before = process.cpuUsage();
  for (let i = 0; i < count; i++) await run();
  const used = process.cpuUsage(before);
  process.stdout.write(`${label.padEnd(38)} ${(((used.user + used.system) / count) | 0).toString().padStart(5)} µs CPU per request\n`);
}

async function main(): Promise<void> {
  const at = process.argv.indexOf('--count');
  const count = at > 0 ? Number(process.argv[at + 1]) : 20_000;
  const send = JSON.stringify(sampleSendBody({ identifier: '784-1990-1234567-1', spId: 'sp_a', requestedById: 'sp_a', spTransactionID: 'tx-1' }));
  const status = JSON.stringify({ spTransactionID: 'tx-1', spId: 'sp_a' });
  // A fresh parse per call, as each request brings its own body.
  // Before: Nest's stock pipe, with the options the catalog pipe had before it took JSON bodies
  // itself (and before the rules were cached: measured first, as the cache is process-wide).
  const stock = new ValidationPipe({
    whitelist: true,
    transform: true,
    forbidUnknownValues: false,
    stopAtFirstError: true,
    validationError: { target: false, value: true },
  });
  await perCall('before: Nest ValidationPipe, send', count, () => stock.transform(JSON.parse(send), { type: 'body', metatype: SendConsentDto }));
  await perCall('before: Nest ValidationPipe, status', count, () => stock.transform(JSON.parse(status), { type: 'body', metatype: TransactionRefDto }));
  const pipe = new CatalogValidationPipe();
  await perCall('send body (SendConsentDto)', count, () => pipe.transform(JSON.parse(send), { type: 'body', metatype: SendConsentDto }));
  await perCall('status body (TransactionRefDto)', count, () => pipe.transform(JSON.parse(status), { type: 'body', metatype: TransactionRefDto }));
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`validation-cost: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
