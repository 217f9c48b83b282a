import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { DateTime } from 'luxon';
import { renderNoticeDocx } from '../../services/docx.js';
import { loadCampaignContext } from '../../db/campaigns.js';
import { findNoticeByNumber, listNotices } from '../../db/notices.js';
import { NOTICE_KINDS, type NoticeKind } from '../../domain/notices.js';
import { withDatabase } from '../connect.js';
import { BadInputError } from '../exit-codes.js';
import { printTable } from '../table.js';

export function registerNoticeCommands(program: Command): void {
  const notice = program.command('notice').description('文书：交办、催办、通报、督办函、约谈、追责等通知及其公文');

  notice
    .command('list')
    .argument('<campaign>', '创建活动编号')
    .option('--task <task>', '只看该任务的文书')
    .description('列出创建活动印发的全部文书（按印发时间）')
    .action(async (campaignId: string, o: { task?: string }) => {
      await withDatabase(async (db) => {
        const ctx = await loadCampaignContext(db, campaignId);
        const rows = (await listNotices(db, campaignId)).filter((n) => !o.task || n.task_id === o.task);
        printTable(
          ['文号', '种类', '标题', '任务', '责任单位', '印发时间'],
          rows.map((n) => [
            n.document_number,
            NOTICE_KINDS[n.kind as NoticeKind]?.name ?? n.kind,
            n.title,
            n.task_id ?? '',
            (n.unit_id && ctx.units.get(n.unit_id)?.name) || (n.unit_id ?? ''),
            DateTime.fromJSDate(n.issued_at).setZone(ctx.timeZone).toFormat('yyyy-MM-dd HH:mm'),
          ]),
        );
        console.log(`共 ${rows.length} 份`);
      });
    });

  notice
    .command('show')
    .argument('<number>', '文号，如 北海创城督办〔2021〕3号')
    .description('显示一份文书的全文')
    .action(async (number: string) => {
      await withDatabase(async (db) => {
        const n = await findNoticeByNumber(db, number);
        if (!n) throw new BadInputError(`没有文号为 ${number} 的文书`);
        console.log([n.document_number, '', n.title, '', n.addressees, ...n.body.split('\n').map((p) => `    ${p}`), '', n.signature, n.date_written].join('\n'));
        console.log(`\n主送：${n.recipients.to.join('、')}${n.recipients.cc.length ? `\n抄送：${n.recipients.cc.join('、')}` : ''}`);
        if (n.calendar_warning) console.log(`提示：${n.calendar_warning}`);
      });
    });

  notice
    .command('docx')
    .argument('<number>', '文号，如 北海创城督办〔2021〕3号')
    .requiredOption('-o, --output <file>', '输出的 .docx 文件')
    .description('将一份文书导出为可打印的公文（.docx）')
    .action(async (number: string, o: { output: string }) => {
      await withDatabase(async (db) => {
        const n = await findNoticeByNumber(db, number);
        if (!n) throw new BadInputError(`没有文号为 ${number} 的文书`);
        const buffer = await renderNoticeDocx(n);
        try {
          await writeFile(o.output, buffer);
        } catch (error) {
          throw new BadInputError(`无法写入 ${o.output}：${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
        }
        console.log(`已导出 ${n.document_number}《${n.title}》→ ${o.output}（${(buffer.length / 1024).toFixed(0)} KiB）`);
      });
    });
}
