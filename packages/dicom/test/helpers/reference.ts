import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * Debian's interpreter: python3-pydicom, python3-nibabel and python3-numpy install for it, not for any other
 * python3 that may come first on PATH.
 */
export const PYTHON = '/usr/bin/python3';

/** pydicom's own test files, as Debian's python3-pydicom installs them. */
export const PYDICOM_FILES = '/usr/lib/python3/dist-packages/pydicom/data/test_files';

/** Fails loudly when the reference tools are missing: tests never skip silently in CI. */
export function requireReferenceTools(): void {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: run scripts/setup-test-env.sh`);
  try {
    execFileSync(PYTHON, ['-c', 'import pydicom, nibabel, numpy'], { stdio: 'pipe' });
  } catch {
    throw new Error('python3-pydicom or python3-nibabel is missing: run scripts/setup-test-env.sh');
  }
}
