import type { Project } from './project.js';
import { isoNow } from './registry.js';
import { startRegistryServer, type SessionRunSlot } from './rest/server.js';
import { createToken, removeToken } from './rest/tokens.js';

/**
 * The project's registry served over HTTP on 127.0.0.1 for one `fairpod run CONFIG` session, so a FAIR
 * language API in the script (pyDataPipeline, rDataPipeline, DataPipeline.jl) talks to it as to FAIR-CLI's
 * local registry: `apiUrl` is the working config's `local_data_registry_url`, `open` gives the session's
 * token (`FDP_LOCAL_TOKEN`), and the first code run a client POSTs becomes the session's run.
 */
export interface SessionServer {
  /** `http://127.0.0.1:<port>/api/` */
  readonly apiUrl: string;
  /** Creates the session's token once the session's code run `runRowId` is open, and returns it. */
  open(runRowId: number): Promise<string>;
  /** Whether a client's POSTed code run was merged into the session's run. */
  readonly claimed: boolean;
  /** Stops serving and removes the session's token. */
  close(): Promise<void>;
}

/** The user a FAIR language API asks the local registry for (`users?username=admin`, pyDataPipeline `initialise`). */
const FAIR_LOCAL_USER = 'admin';

/** Starts serving `project`'s registry on a free port of 127.0.0.1. */
export async function startSessionServer(project: Project): Promise<SessionServer> {
  const slot: SessionRunSlot = {};
  const server = await startRegistryServer(project.registry, {
    host: '127.0.0.1',
    port: 0,
    sessionRun: slot,
  });
  let token: string | undefined;
  return {
    apiUrl: `${server.url}/api/`,
    get claimed() {
      return slot.claimed === true;
    },
    async open(runRowId) {
      slot.id = runRowId;
      await linkFairLocalUser(project);
      token = await createToken(project.registry, project.settings.user.name);
      return token;
    },
    async close() {
      await server.close();
      if (token) await removeToken(project.registry, token);
    },
  };
}

/**
 * FAIR-CLI's local registry has one user, `admin`, whose author is the person running the code; a
 * language API's `initialise` looks that author up (`users?username=admin`, then `user_author?user=`).
 * Here the project's user is that person: `admin` is linked to the project user's author (once).
 */
async function linkFairLocalUser(project: Project): Promise<void> {
  const r = project.registry;
  await r.write(async (trx) => {
    const user = (await trx('users').where({ username: project.settings.user.name }).first('id')) as
      { id: number } | undefined;
    const author = user
      ? ((await trx('user_author').where({ user_id: user.id }).first('author_id')) as
          { author_id: number } | undefined)
      : undefined;
    if (!author) return;
    const admin = await r.getOrCreate(trx, 'users', { username: FAIR_LOCAL_USER }, {}, { unique: true });
    await r.getOrCreate(
      trx,
      'user_author',
      { user_id: admin },
      { author_id: author.author_id, last_updated: isoNow() },
      { unique: true },
    );
  });
}
