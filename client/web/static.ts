// The console's one stylesheet and its small scripts (photos.js on the pages that take photos),
// read once and served with a content hash.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';

const FILES = {
  'console.css': 'text/css; charset=utf-8',
  'console.js': 'text/javascript; charset=utf-8',
  'photos.js': 'text/javascript; charset=utf-8',
} as const;

const assets = Object.fromEntries(
  Object.entries(FILES).map(([name, type]) => {
    const body = readFileSync(new URL(`./static/${name}`, import.meta.url));
    return [name, { body, type, etag: `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"` }];
  }),
);

export function registerStaticRoutes(app: FastifyInstance): void {
  app.get('/static/:name', async (request, reply) => {
    const asset = assets[(request.params as { name: string }).name];
    if (!asset) return reply.callNotFound();
    reply.header('Cache-Control', 'public, max-age=3600').header('ETag', asset.etag).type(asset.type);
    if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
    return reply.send(asset.body);
  });
  app.get('/favicon.ico', async (_request, reply) => reply.code(204).send());
}
