#!/usr/bin/env node
/**
 * `npm run demo`: the medaas workflow in one command, on the embedded defaults (no cluster, no GPU) or
 * against a real cluster (`--ssh`, `--scheduler`, see `--help`). Exits non-zero if any step fails.
 */
import { isMedaasError } from '@medaas/core';
import { HelpRequested, loadConfig, UsageError } from './config.js';
import { runWorkflow } from './workflow.js';

async function main(): Promise<void> {
  const config = await loadConfig(process.argv.slice(2));
  console.log(
    `medaas demo: ${config.cluster.kind === 'local' ? 'embedded defaults (local scheduler, GPU-free AIAA testkit server)' : `cluster ${config.cluster.ssh.username}@${config.cluster.ssh.host} (${config.cluster.kind})`}; output in ${config.outDir}\n`,
  );
  const started = Date.now();
  const result = await runWorkflow(config, (line) => console.log(line));
  console.log(`\nmedaas demo: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (result.hospital) {
    console.log(
      `  from the PACS     study ${result.hospital.study.studyUid} (${result.hospital.study.instances} instances), de-identified copy ${result.hospital.study.deidentifiedDir}`,
    );
    console.log(`  DICOM SEG         ${result.hospital.seg.segPath} (stored in the PACS, series ${result.hospital.seg.segSeriesUid})`);
  }
  console.log(`  converted image   ${result.converted.output}`);
  console.log(`  masks             ${result.annotation.masks.map((m) => m.path).join(', ')}`);
  console.log(`  project folder    ${result.project.folder} (data list ${result.project.datalist})`);
  console.log(`  MMAR              ${result.mmar.folder}`);
  if (result.training) {
    console.log(`  trained model     ${result.training.modelName} (job ${result.training.jobId}, ${result.training.epochs} epochs)`);
    console.log(
      `  Dice              ${result.training.diceBefore.toFixed(4)} before, ${result.training.diceAfter.toFixed(4)} after training (the validated case)`,
    );
    for (const held of result.training.heldOut) {
      console.log(
        `                    ${held.diceBefore.toFixed(4)} before, ${held.diceAfter.toFixed(4)} after training (held-out ${held.caseId})`,
      );
    }
  }
  if (result.project.uploaded.length + result.mmar.uploaded.length > 0) {
    console.log(`  uploaded          ${result.project.uploaded.length + result.mmar.uploaded.length} files to the cluster`);
  }
}

main().catch((error: unknown) => {
  if (error instanceof HelpRequested) {
    console.log(error.message);
    process.exit(0);
  }
  if (error instanceof UsageError) {
    console.error(error.message);
    process.exit(2);
  }
  console.error(
    isMedaasError(error)
      ? `\nmedaas demo failed: [${error.code}] ${error.message}`
      : `\nmedaas demo failed: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
});
