import type { Command } from 'commander';
import { DateTime } from 'luxon';
import { DEFAULT_TIME_ZONE } from '../../domain/calendar.js';
import { listMailbox } from '../../db/mailbox.js';
import { withDatabase } from '../connect.js';
import { BadInputError } from '../exit-codes.js';
import { printTable } from '../table.js';

export function registerMailCommands(program: Command): void {
  const mail = program.command('mail').description('内置邮件接收端收到的邮件');

  mail
    .command('list')
    .option('--to <address>', '只看发给该地址的邮件')
    .option('--limit <n>', '最多显示几封', '50')
    .option('--show <id>', '显示一封邮件的全文')
    .description('列出内置 SMTP 接收端收到的邮件（最新在后）')
    .action(async (o: { to?: string; limit: string; show?: string }) => {
      const limit = Number(o.limit);
      if (!Number.isInteger(limit) || limit <= 0) throw new BadInputError(`--limit 应为正整数：${o.limit}`);
      await withDatabase(async (db) => {
        const messages = await listMailbox(db, { to: o.to });
        if (o.show) {
          const m = messages.find((x) => String(x.id) === o.show);
          if (!m) throw new BadInputError(`没有编号为 ${o.show} 的邮件`);
          console.log(`收件人：${m.to_header}\n抄送：${m.cc_header}\n主题：${m.subject}\n\n${m.text_body}`);
          return;
        }
        printTable(
          ['编号', '收到时间', '收件人', '主题'],
          messages.slice(-limit).map((m) => [
            String(m.id),
            DateTime.fromJSDate(m.received_at).setZone(DEFAULT_TIME_ZONE).toFormat('yyyy-MM-dd HH:mm'),
            m.envelope_to.join(', '),
            m.subject,
          ]),
        );
        console.log(`共 ${messages.length} 封`);
      });
    });
}
