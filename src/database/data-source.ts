import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from '../config/config';
import { dataSourceOptions } from './database.options';

/**
 * For the TypeORM CLI (`npm run migration:run|revert|generate`). It needs a reachable Postgres:
 * DATABASE_URL, or the local default below.
 */
const config = loadConfig({ ...process.env, DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' });
export default new DataSource(dataSourceOptions(config));
