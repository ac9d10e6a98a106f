import 'reflect-metadata';

export { API_KEY_SCOPES, type ApiKeyScope, type Viewer } from './application/auth/viewer';
export { buildContainer, type ContainerOverrides, disposeContainer } from './composition/container';
export { type GatewayContainer, TOKENS } from './composition/tokens';
export { ConfigError } from './config/env';
export { type GatewayConfig, loadConfig } from './config/load-config';
export { REQUEST_ERROR_CODES, type RequestErrorCode } from './graphql/errors';
export { buildSchema, printGatewaySchema } from './graphql/index';
export { createGateway, type Gateway } from './http/create-gateway';
export {
  loadPersistedOperations,
  operationHash,
} from './http/plugins/persisted-operations';
export { type RunningGateway, startGateway } from './http/server';
