// Its own module so that the checksum checks and the options both use it without importing each other.
/** Where a pretrained model comes from: NVIDIA's NGC registry (MMARs) or the MONAI model zoo (bundles). */
export type PretrainedCatalog = 'ngc' | 'monai-zoo';
