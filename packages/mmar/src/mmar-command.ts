// Its own module so that the Clara 3 renderer and the command planner both use it without importing each other.
/** The command scripts of an MMAR, by name without `.sh`. */
export type MmarCommand = 'set_env' | 'train' | 'train_multi_gpu' | 'finetune' | 'validate' | 'infer' | 'export';
