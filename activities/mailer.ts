import nodemailer, { type Transporter } from 'nodemailer';

/**
 * A pooled SMTP transport from a URL such as smtp://user:pass@host:587 or smtps://host:465, with up
 * to `maxConnections` connections at once (a production worker: SMTP_MAX_CONNECTIONS).
 */
export function createMailer(smtpUrl: string, maxConnections = 4): Transporter {
  return nodemailer.createTransport({
    url: smtpUrl,
    pool: true,
    maxConnections,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
}
