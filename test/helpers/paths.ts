// Where tests find the repository and their fixtures, wherever in test/ they sit.
import * as path from 'node:path';

export const TEST_DIR = path.join(__dirname, '..');
export const ROOT = path.join(TEST_DIR, '..');
