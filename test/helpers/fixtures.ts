// Where the shared image fixtures live: $WHARF_FIXTURES, ../shared beside the checkout, or /work/shared.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(fileURLToPath(import.meta.url), '../../../..');

export const FIXTURES: string = [
  process.env.WHARF_FIXTURES,
  resolve(repoRoot, '../shared/fixtures/images'),
  '/work/shared/fixtures/images',
].find((p): p is string => !!p && existsSync(p)) ?? '/work/shared/fixtures/images';
