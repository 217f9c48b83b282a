// chuangwen link revoke: withdraws a unit's signed links (a contact changed, a link was passed on).
// Every link issued before stops working at once; the next mail, or the console's task page, has a
// new one.
import type { Command } from 'commander';
import { migrate } from '../../db/migrate.js';
import { revokeUnitLinks } from '../../db/unit-links.js';
import { withDatabase } from '../connect.js';
import { BadInputError } from '../exit-codes.js';

export function registerLinkCommands(program: Command): void {
  const link = program.command('link').description('单位签名链接');
  link
    .command('revoke')
    .description('收回单位链接：该单位此前收到的链接（指定任务时只收回该任务的）一律失效')
    .argument('<campaign>', '创建活动编号')
    .requiredOption('--unit <unit>', '单位编号')
    .option('--task <task>', '只收回该任务的链接（不指定：该单位全部任务的链接和每月材料的报送链接）')
    .option('--reason <reason>', '收回原因，如“联系人变更”', '联系人变更或链接外传')
    .action(async (campaignId: string, o: { unit: string; task?: string; reason: string }) => {
      await withDatabase(async (db) => {
        await migrate(db);
        const revoked = await revokeUnitLinks(db, { campaignId, unitId: o.unit, taskId: o.task, reason: o.reason });
        if (!revoked) {
          throw new BadInputError(o.task ? `创建活动 ${campaignId} 中没有单位 ${o.unit} 或任务 ${o.task}` : `创建活动 ${campaignId} 中没有单位 ${o.unit}`);
        }
        const what = [
          ...(revoked.tasks.length > 0 ? [`${revoked.tasks.length} 项任务（${revoked.tasks.join('、')}）的链接`] : []),
          ...(revoked.materials ? ['每月材料的报送链接'] : []),
        ];
        console.log(`已收回单位 ${o.unit} 的${what.length > 0 ? what.join('和') : '链接'}；此前发出的链接已失效，此后邮件中的新链接有效。`);
      });
    });
}
