export { renderChecksTable, renderColumns, statusLabel } from './table.js';
export { renderStatusTree } from './tree.js';
export { renderNotification } from './notification.js';
