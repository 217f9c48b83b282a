// The sizes a ZIP archive (.docx, .xlsx) says its members expand to, read from its central directory
// without inflating anything, so that an archive that would expand too far is refused before it is opened.

export interface ZipMember {
  name: string;
  compressed: number;
  uncompressed: number;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;

/** The members of the archive, or undefined when the central directory cannot be found or read. */
export function zipMembers(buffer: Buffer): ZipMember[] | undefined {
  // The end-of-central-directory record is in the last 22 + 65535 bytes (after it only a comment).
  const from = Math.max(0, buffer.length - 22 - 0xffff);
  let eocd = -1;
  for (let i = buffer.length - 22; i >= from; i--) {
    if (buffer.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return undefined;
  const count = buffer.readUInt16LE(eocd + 10);
  let at = buffer.readUInt32LE(eocd + 16);
  const members: ZipMember[] = [];
  for (let n = 0; n < count; n++) {
    if (at + 46 > buffer.length || buffer.readUInt32LE(at) !== CENTRAL) return undefined;
    const compressed = buffer.readUInt32LE(at + 20);
    const uncompressed = buffer.readUInt32LE(at + 24);
    const nameLength = buffer.readUInt16LE(at + 28);
    const extraLength = buffer.readUInt16LE(at + 30);
    const commentLength = buffer.readUInt16LE(at + 32);
    const name = buffer.toString('utf8', at + 46, at + 46 + nameLength);
    // ZIP64 stores 0xFFFFFFFF here and the real size in an extra field: far beyond any limit of ours.
    members.push({ name, compressed, uncompressed: uncompressed === 0xffffffff ? Number.MAX_SAFE_INTEGER : uncompressed });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return members;
}
