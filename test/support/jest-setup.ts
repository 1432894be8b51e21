import { killAdopted } from './children';

// Whatever a test file left running is stopped when the file ends (children.ts says why).
afterAll(killAdopted);
process.once('exit', killAdopted);
