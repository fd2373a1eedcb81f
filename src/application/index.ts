// The write side's public face: the Application interface, its factory, and the application's own errors.
export type { Application, RequestContext, SystemCause, Written } from './application';
export { type ApplicationDeps, createApplication } from './create-application';
export { emailStreamOf } from './email-reservation';
export { Conflict } from './errors';
export { CommandHandler, type CommandHandlerOptions, type EventContext, type Handled } from './handle-command';
export { LogWatch } from './log-watch';
