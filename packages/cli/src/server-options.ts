import type { ConnectAnnotationServerOptions } from '@medaas/aiaa-client/interactive';
import type { CommandContext, OptionSpec } from './command.js';
import { CliError } from './errors.js';
import { requiredString, stringOption } from './values.js';

/** The options that reach an annotation server. Its password or token come from the environment only. */
export const SERVER_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  url: { type: 'string', placeholder: 'URL', description: 'the annotation server, e.g. the URL `medaas server start` printed (required)' },
  protocol: { type: 'string', placeholder: 'auto|aiaa|monai-label', description: 'its protocol (default auto: asked of the server)' },
  username: {
    type: 'string',
    placeholder: 'NAME',
    description: 'MONAI Label with authentication: the user; the password is read from MEDAAS_PASSWORD',
  },
};

/**
 * The connection options of the flags. Secrets never come from flags (they show in `ps` and shell history):
 * `MEDAAS_PASSWORD` with `--username`, or `MEDAAS_TOKEN`.
 */
export function serverConnection(context: CommandContext): ConnectAnnotationServerOptions {
  const baseUrl = requiredString(context, 'url');
  if (!/^https?:\/\/[^\s@/]+/.test(baseUrl))
    throw new CliError('CLI_USAGE', `--url must be an http(s) URL without credentials, not "${baseUrl.replace(/\/\/[^/]*@/, '//***@')}"`);
  const protocol = stringOption(context, 'protocol') ?? 'auto';
  if (protocol !== 'auto' && protocol !== 'aiaa' && protocol !== 'monai-label')
    throw new CliError('CLI_USAGE', `--protocol must be auto, aiaa or monai-label, not "${protocol}"`);
  const username = stringOption(context, 'username');
  const password = context.io.env['MEDAAS_PASSWORD'];
  const token = context.io.env['MEDAAS_TOKEN'];
  if (username && !password) throw new CliError('CLI_USAGE', '--username needs the password in MEDAAS_PASSWORD');
  const auth = username && password ? { username, password } : token ? { token } : undefined;
  return { baseUrl, protocol, signal: context.signal, ...(auth ? { auth } : {}) };
}
