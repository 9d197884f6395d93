export { createSwitch, type Switch } from './switch.js';
export { startSwitchServer, type SwitchServer, type SwitchServerOptions } from './server.js';
export { ROUTING_PROFILE, SWITCH_DEFAULTS, type SwitchModelOptions, type SwitchOptions } from './options.js';
export { SWITCH_OPTION_TABLE, type SwitchOptionInfo } from './option-table.js';
export { validateSwitchOptions } from './validate.js';
export { ADMISSION_REJECTIONS, type AdmissionRejection } from './admission.js';
export type { EndReason } from './cdr.js';
export type { DirectionFrames, SwitchMetricsSample } from './metrics.js';
export type { RoutingGauges } from './routing.js';
