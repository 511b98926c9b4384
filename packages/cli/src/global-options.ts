import type { OptionSpec } from './command.js';

/** The options every command takes. */
export const GLOBAL_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  json: { type: 'boolean', description: 'print the result as one JSON document on stdout (errors too), for scripts' },
  verbose: { type: 'boolean', short: 'v', description: "on failure, also print the error's details, cause and stack" },
  config: {
    type: 'string',
    placeholder: 'FILE',
    env: false,
    description: 'a JSON file of option values (default: $MEDAAS_CONFIG, else ./medaas.config.json if present)',
  },
  help: { type: 'boolean', short: 'h', env: false, description: 'show this help and exit' },
};
