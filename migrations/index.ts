import { InitialSchema1764000000000 } from './1764000000000-InitialSchema';

/** Every migration, in order. A new migration file is added here too. */
export const MIGRATIONS = [InitialSchema1764000000000];
