// Multipart uploads: only the routes that take files accept multipart/form-data, and each of them
// checks who is asking (session, role and CSRF token, or the unit's link) in an onRequest hook,
// before a byte of the body is read. Everywhere else a multipart body is refused (415) unread.
import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import { MAX_EVIDENCE_FILES } from '../../domain/task-state.js';

/** At most MAX_EVIDENCE_FILES files of 20 MB (evidence is held to 10 MB by its own check), 20 fields. */
export const MULTIPART_LIMITS = { fileSize: 20 * 1024 * 1024, files: MAX_EVIDENCE_FILES, fields: 20, fieldSize: 2 * 1024 * 1024, parts: 30 };

export interface UploadedFile {
  fileName: string;
  mimeType: string;
  data: Buffer;
}

/**
 * Registers upload routes in a scope of their own that parses multipart bodies into the body's
 * fields (files as UploadedFile). The body is read in preValidation, after the routes' onRequest
 * checks: give each upload route its checks as `onRequest`, not `preHandler`. Routes that take
 * larger files than evidence (an inspection's photo archive) give their own `limits`.
 */
export function withUploads(app: FastifyInstance, register: (uploads: FastifyInstance) => void, limits = MULTIPART_LIMITS): void {
  app.register(async (uploads) => {
    await uploads.register(multipart, {
      attachFieldsToBody: 'keyValues',
      limits,
      throwFileSizeLimit: true,
      async onFile(part) {
        const data = await part.toBuffer();
        (part as unknown as { value: unknown }).value = { fileName: part.filename, mimeType: part.mimetype, data };
      },
    });
    register(uploads);
  });
}
