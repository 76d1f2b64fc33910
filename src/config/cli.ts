// The `berth` CLI's settings. Like index.ts this is a reader of the
// environment, so the CLI itself never touches process.env: the server URL
// and token (which win over what `berth login` stored), where the stored
// credentials live, and whether colour is wanted.
import { homedir } from 'node:os';
import path from 'node:path';

export interface CliConfig {
  /** BERTH_URL, if set; otherwise the stored one is used. */
  readonly url: string | undefined;
  /** BERTH_TOKEN, if set; otherwise the stored one is used. */
  readonly token: string | undefined;
  /** `$XDG_CONFIG_HOME/berth/credentials.json`, else `~/.config/berth/...`. */
  readonly credentialsFile: string;
  /** https://no-color.org: any non-empty NO_COLOR turns colour off. */
  readonly noColor: boolean;
  /**
   * On the Berth host as root with nothing else configured, the CLI talks to
   * the local server with its admin token, as `dokku` does.
   */
  readonly local: {
    readonly isRoot: boolean;
    readonly url: string;
    readonly adminTokenFile: string;
    /** BERTH_ADMIN_TOKEN, when the server was given one. */
    readonly adminToken: string | undefined;
  };
}

type Env = Record<string, string | undefined>;

export function loadCliConfig(env: Env = process.env): CliConfig {
  const home = env.HOME || homedir();
  // XDG says a relative XDG_CONFIG_HOME is invalid and must be ignored.
  const xdg = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(home, '.config');
  return Object.freeze({
    url: env.BERTH_URL?.trim() || undefined,
    token: env.BERTH_TOKEN?.trim() || undefined,
    credentialsFile: path.join(xdg, 'berth', 'credentials.json'),
    noColor: Boolean(env.NO_COLOR),
    local: Object.freeze({
      isRoot: process.getuid?.() === 0,
      url: `http://127.0.0.1:${env.BERTH_API_PORT || '3000'}`,
      adminTokenFile: path.join(path.resolve(env.BERTH_DATA_DIR || '/var/lib/berth'), 'admin-token'),
      adminToken: env.BERTH_ADMIN_TOKEN?.trim() || undefined,
    }),
  });
}
