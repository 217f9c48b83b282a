// /l/<code>: the short link an SMS carries (services/short-links.ts). It only redirects to the unit
// link it stands for; the portal then checks that link's signature, expiry and version, so a link
// the office withdrew stays dead behind its code.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { findShortLinkToken } from '../../db/short-links.js';
import { SHORT_CODE_PATTERN } from '../../services/short-links.js';
import { HttpProblem } from '../api/problems.js';
import { portalRateLimit } from './portal.js';

/** Per code, as the portal limits per link (the server limits per address and refused link besides). */
const shortLinkRateLimit = {
  ...portalRateLimit,
  keyGenerator: (request: FastifyRequest) => `short:${(request.params as { code?: string }).code ?? request.ip}`,
};

export function registerShortLinkRoutes(app: FastifyInstance): void {
  const ctx = app.console;
  app.get('/l/:code', { config: { rateLimit: shortLinkRateLimit } }, async (request, reply) => {
    const { code } = request.params as { code: string };
    const token = SHORT_CODE_PATTERN.test(code) ? await findShortLinkToken(ctx.db, code, await ctx.now()) : undefined;
    // A Link… refusal: counted with the address's refused links, like a made-up /u/ link.
    if (!token) throw new HttpProblem(404, 'LinkNotFound', '短信中的链接不存在或已过期，请使用邮件中的链接，或联系创建办重新发送');
    reply.header('Cache-Control', 'no-store');
    return reply.redirect(`/u/${token}`, 302);
  });
}
