/** `authsync/emulator`: a local WorkOS API for tests, benchmarks and demos. */
export { startEmulator, type RunningEmulator, type StartEmulatorOptions } from './server.js';
export { Emulator, type EmulatorOptions, type EmulatorVariant } from './emulator.js';
export { createEmulatorApp } from './http/app.js';
export { signWorkOSWebhook, type WebhookSettings } from './webhooks.js';
export { NO_FAULTS, WORKOS_RATE_LIMIT, type FaultSettings } from './faults.js';
export { WORKOS_EVENT_TYPES } from './state/event-types.js';
