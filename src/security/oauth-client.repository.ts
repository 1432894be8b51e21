import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** A client that may hold the client-credentials grant, with its secret's hash. */
export interface ClientCredentialRow {
  kind: 'sp' | 'admin';
  hash: string;
  disabled: boolean;
}

/** All SQL on admin_clients, and the token grant's read of every client kind (SPs and admin clients). */
@Injectable()
export class OAuthClientRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The SP and the admin client named `clientId` (at most one of each). */
  async findCredentials(clientId: string): Promise<ClientCredentialRow[]> {
    return this.db.query(
      `SELECT 'sp' AS kind, client_secret_hash AS hash, disabled FROM service_providers WHERE client_id = $1
       UNION ALL SELECT 'admin', client_secret_hash, false FROM admin_clients WHERE client_id = $1`,
      [clientId],
    );
  }

  async findAdminSecretHash(clientId: string): Promise<string | undefined> {
    const rows: { client_secret_hash: string }[] = await this.db.query(`SELECT client_secret_hash FROM admin_clients WHERE client_id = $1`, [clientId]);
    return rows[0]?.client_secret_hash;
  }

  /** Creates the admin client, or gives it this secret hash. */
  async upsertAdmin(clientId: string, secretHash: string): Promise<void> {
    await this.db.query(
      `INSERT INTO admin_clients (client_id, client_secret_hash) VALUES ($1, $2)
       ON CONFLICT (client_id) DO UPDATE SET client_secret_hash = EXCLUDED.client_secret_hash`,
      [clientId, secretHash],
    );
  }
}
