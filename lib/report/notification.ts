import type { Notification } from '../alerts/index.js';

/** A page as a terminal shows it: the subject in a frame, then the body. */
export const renderNotification = (notification: Notification): string =>
  `┌ page ─ ${notification.subject}\n${notification.body.replace(/^/gm, '│ ')}\n└─\n`;
