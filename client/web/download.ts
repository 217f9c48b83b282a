import type { FastifyReply } from 'fastify';

/** Sends a file with a Content-Disposition that keeps a Chinese name (RFC 6266 / RFC 5987). */
export function attachment(reply: FastifyReply, fileName: string, contentType: string, body: Buffer, inline = false) {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  const encoded = encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return reply
    .header('Content-Disposition', `${inline ? 'inline' : 'attachment'}; filename="${ascii}"; filename*=UTF-8''${encoded}`)
    .header('Cache-Control', 'private, no-store')
    .header('Content-Security-Policy', "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox")
    .type(contentType)
    .send(body);
}

/** A problem point's photo, shown where it is opened: kept as JPEG whatever was sent, and its name says so. */
export function pointPhotoReply(reply: FastifyReply, photo: { file_name: string; content_type: string; data: Buffer }) {
  return attachment(reply, photo.file_name.replace(/\.\w+$/, '') + '.jpg', photo.content_type, photo.data, true);
}
