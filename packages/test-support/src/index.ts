export { listenOnLoopback, type OccupiedPort, occupiedPort, portOf } from './ports';
export {
  cleanEnv,
  type ProcessOptions,
  type ProcessResult,
  runProcess,
  type StartedProcess,
  startProcess,
} from './processes';
export { type Truthy, type WaitForOptions, waitFor } from './wait-for';
