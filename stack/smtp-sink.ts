// The embedded SMTP sink: a real SMTP server on loopback that keeps every message it receives
// in PostgreSQL (table mailbox), so the console and the tests read what was really sent.
import { simpleParser, type AddressObject } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { storeReceivedMail } from '../db/mailbox.js';
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
      // The HTML as sent: an inline picture stays `cid:…`, its part listed in `parts`.
      simpleParser(stream, { keepCidLinks: true })
        .then(async (mail) => {
          const messageId = mail.messageId ?? `<sink-${Date.now()}-${Math.random().toString(36).slice(2)}@chuangwen>`;
          await storeReceivedMail(db, {
            messageId,
            envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            envelopeTo: session.envelope.rcptTo.map((r) => r.address),
            from: mail.from?.text ?? '',
            to: addressText(mail.to),
            cc: addressText(mail.cc),
            subject: mail.subject ?? '',
            text: mail.text ?? '',
            html: typeof mail.html === 'string' ? mail.html : '',
            parts: mail.attachments.map((a) => ({
              contentType: a.contentType,
              contentId: a.cid ?? null,
              fileName: a.filename ?? null,
              size: a.size,
              inline: a.contentDisposition === 'inline' || a.related === true,
            })),
          });
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
