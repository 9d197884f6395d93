export { createSwitch, type Switch } from './switch.js';
export { startSwitchServer, type SwitchServer, type SwitchServerOptions } from './server.js';
export { SWITCH_DEFAULTS, type SwitchOptions } from './options.js';
export type { EndReason } from './cdr.js';
