// The embedded SMTP sink: a real SMTP server on loopback that keeps every message it receives
// in PostgreSQL (table mailbox), so the console and the tests read what was really sent.
import { simpleParser, type AddressObject } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { Db } from '../db/pool.js';

export interface SmtpSink {
  port: number;
  url: string;
  /** Fault injection for tests: the next N messages are stored, then answered with an error. */
  failAfterStoring(count: number): void;
  stop(): Promise<void>;
}

export async function startSmtpSink(db: Db, options: { port?: number } = {}): Promise<SmtpSink> {
  let failuresLeft = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    banner: 'chuangwen mail sink',
    logger: false,
    size: 25 * 1024 * 1024,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then(async (mail) => {
          const messageId = mail.messageId ?? `<sink-${Date.now()}-${Math.random().toString(36).slice(2)}@chuangwen>`;
          await db.query(
            `INSERT INTO mailbox (message_id, envelope_from, envelope_to, from_header, to_header, cc_header, subject, text_body, html_body)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (message_id) DO UPDATE SET deliveries = mailbox.deliveries + 1`,
            [
              messageId,
              session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              session.envelope.rcptTo.map((r) => r.address),
              mail.from?.text ?? '',
              addressText(mail.to),
              addressText(mail.cc),
              mail.subject ?? '',
              mail.text ?? '',
              typeof mail.html === 'string' ? mail.html : '',
            ],
          );
          if (failuresLeft > 0) {
            failuresLeft--;
            const error = new Error('451 本地故障（测试注入）') as Error & { responseCode: number };
            error.responseCode = 451;
            callback(error);
          } else {
            callback();
          }
        })
        .catch((error: Error) => callback(Object.assign(new Error(`451 ${error.message}`), { responseCode: 451 })));
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  server.on('error', () => {});
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    failAfterStoring(count) {
      failuresLeft = count;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function addressText(address: AddressObject | AddressObject[] | undefined): string {
  if (!address) return '';
  return (Array.isArray(address) ? address : [address]).map((a) => a.text).join(', ');
}
