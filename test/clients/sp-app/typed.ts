// Type-checked against the installed package's .d.ts only (no path into the gateway's sources).
import {
  ConsentReceiptClaims,
  MuwafaqaClient,
  MuwafaqaError,
  SendConsentRequest,
  TransactionStatusResult,
  verifyCallback,
  verifyReceipt,
} from '@muwafaqa/sp-sdk';

export async function run(client: MuwafaqaClient, request: SendConsentRequest): Promise<TransactionStatusResult['status']> {
  try {
    const sent = await client.send(request);
    const status = await client.status(sent.spTransactionID);
    if (status.status === 'ACCEPTED') {
      const { receipt } = await client.receipt(sent.spTransactionID);
      const claims: ConsentReceiptClaims = await verifyReceipt(receipt, { issuer: 'https://consent.example.ae', audience: 'my-client-id' });
      console.log(claims.documents_accepted.join(','));
    }
    return status.status;
  } catch (err) {
    if (err instanceof MuwafaqaError) console.log(err.code, err.desc.ar);
    throw err;
  }
}

export const check = (rawBody: Buffer) => verifyCallback({ headers: {}, rawBody, path: '/api/v1/consent/transaction/callback' }, { signingSecret: 's' }).status;
