// Public entry of the Moveworks Conversations API simulator.
export { startSimulator, type Simulator, type SimulatorOptions } from './server';
export {
  simulatorConfigSchema,
  simulatorConfigPatchSchema,
  defaultSimulatorConfig,
  type SimulatorConfig,
  type SimulatorConfigPatch,
  type ApiFlavour,
} from './config';
export { actionQuestion, expectedAnswer, MORE_ACTION_LABEL, parseDirectives, type Directives } from './answers';
export type { RecordedRequest, SimulatorStats } from './request-log';
export type { ConversationDump, TurnDump } from './dump';
export { API_PREFIX, API_PREFIXES, TOKEN_PATH, apiRoutes } from './routes';
