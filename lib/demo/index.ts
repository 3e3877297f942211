export { runDemo, type DemoOptions } from './run.js';
