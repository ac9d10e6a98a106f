import 'reflect-metadata';

export { API_KEY_SCOPES, type ApiKeyScope, type Viewer } from './auth/viewer';
export { ConfigError, type GatewayConfig, loadConfig } from './config';
export {
  buildContainer,
  type ContainerOverrides,
  disposeContainer,
  type GatewayContainer,
  TOKENS,
} from './di/container';
export { createGateway, type Gateway } from './gateway';
export { type RunningGateway, startGateway } from './main';
export { REQUEST_ERROR_CODES, type RequestErrorCode } from './schema/errors';
export { buildSchema, printGatewaySchema } from './schema/index';
export {
  loadPersistedOperations,
  operationHash,
} from './security/persisted-operations';
