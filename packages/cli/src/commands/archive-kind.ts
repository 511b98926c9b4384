import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Whether a folder is a MONAI bundle (`configs/metadata.json`) or a Clara MMAR (`config/`). */
export function archiveKind(dir: string): 'bundle' | 'mmar' {
  return existsSync(join(dir, 'configs', 'metadata.json')) || (existsSync(join(dir, 'configs')) && !existsSync(join(dir, 'config')))
    ? 'bundle'
    : 'mmar';
}
