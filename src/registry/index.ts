/**
 * registry: talking to image registries (client: pull, push, login checks, with Docker's progress
 * messages) and being one (server: `wharf registry serve`). Builds on image and storage.
 *
 *   new RegistryService(store, { insecureRegistries, mirrors }).pull({ reference, auth, progress })
 *   registryMain(['serve', '--addr', '127.0.0.1:5000', '--root', dir])   // the CLI's `wharf registry ...`
 *   getCredentials / storeCredentials / eraseCredentials                  // ~/.docker/config.json, helpers
 */
export { RegistryService, type PullRequest, type PushRequest, type RegistryServiceOptions } from './service.js';
export { RegistryError, RegistryDigestError } from './errors.js';
export { registryMain, serveRegistry, type ServeOptions, type RunningRegistry } from './server/main.js';
export { garbageCollect } from './server/gc.js';
export {
  configPath, credentialKey, readConfig, writeConfig, getCredentials, storeCredentials, eraseCredentials,
  encodeRegistryAuth, type Credentials, type DockerConfigFile,
} from './credentials.js';
export { decodeRegistryAuthHeader, type AuthConfig } from './client/auth.js';
export { isInsecureRegistry, registryHost, DOCKER_HUB_AUTH_KEY, type RegistryConfig } from './client/endpoint.js';
export type { ProgressMessage, ProgressSink } from './client/progress.js';
