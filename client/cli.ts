// chuangwen: the command line of the campaign engine.
import { Command, CommanderError } from 'commander';
import { DefinitionError } from '../domain/definition-yaml.js';
import { BadInputError, EXIT_BAD_INPUT, EXIT_FAILURE } from './exit-codes.js';
import { registerCampaignCommands } from './commands/campaign.js';
import { registerTaskCommands } from './commands/task.js';
import { registerMailCommands } from './commands/mail.js';
import { registerPlanCommands } from './commands/plan.js';
import { registerNoticeCommands } from './commands/notice.js';
import { registerCalendarCommands } from './commands/calendar.js';
import { registerUserCommands } from './commands/user.js';
import { registerReportCommands } from './commands/report.js';
import { registerLinkCommands } from './commands/link.js';
import { registerDirectoryCommands } from './commands/directory.js';
import { registerInspectionCommands } from './commands/inspection.js';

// Output piped into `head` and closed early is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const program = new Command('chuangwen')
  .description('创建文明城市工作引擎：实施方案 → 创建活动 → 整治任务的交办、催办、督办与考核')
  .showHelpAfterError()
  .exitOverride();

registerCampaignCommands(program);
registerTaskCommands(program);
registerMailCommands(program);
registerNoticeCommands(program);
registerCalendarCommands(program);
registerPlanCommands(program);
registerUserCommands(program);
registerReportCommands(program);
registerLinkCommands(program);
registerDirectoryCommands(program);
registerInspectionCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = exitCodeFor(error);
}

function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) {
    // Help and version exit 0; a usage error is bad input.
    return error.exitCode === 0 ? 0 : EXIT_BAD_INPUT;
  }
  if (error instanceof DefinitionError) {
    console.error(`定义文件有 ${error.problems.length} 处错误：\n${error.message}`);
    return EXIT_BAD_INPUT;
  }
  if (error instanceof BadInputError) {
    console.error(`输入有误：${error.message}`);
    return EXIT_BAD_INPUT;
  }
  console.error(`失败：${error instanceof Error ? error.message : String(error)}`);
  if (process.env.CHUANGWEN_DEBUG) console.error(error);
  return EXIT_FAILURE;
}
