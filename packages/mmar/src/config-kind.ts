// Its own module so that generation detection and the document model both use it without importing each other.
/**
 * Which MMAR file a document is, which decides how it is checked: `environment.json`, a training
 * configuration (`config_train*.json`, `config_finetune*.json`, `trn_*.json`), validation and inference
 * configurations, `config_aiaa.json`, and the federated-learning client and server configurations.
 */
export type ConfigKind = 'environment' | 'train' | 'validation' | 'inference' | 'aiaa' | 'fed-client' | 'fed-server';
