import nodemailer, { type Transporter } from 'nodemailer';

/** A pooled SMTP transport from a URL such as smtp://user:pass@host:587 or smtps://host:465. */
export function createMailer(smtpUrl: string): Transporter {
  return nodemailer.createTransport({
    url: smtpUrl,
    pool: true,
    maxConnections: 4,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
}
