import { readFileSync } from 'node:fs';
import { currentSchema, SNAPSHOT } from '../../scripts/schema';

describe('the schema', () => {
  it('is what migrations/schema.sql says: the migrations applied to an empty database (npm run schema:snapshot)', async () => {
    expect(await currentSchema()).toBe(readFileSync(SNAPSHOT, 'utf8'));
  });
});
