// TRUST_PROXY: which reverse proxies in front of the console may say who the client is
// (X-Forwarded-For, X-Forwarded-Proto). Only those: trusting every sender would let any client
// name its own address and so walk around the login and portal limits, which count by address.
import { isIP } from 'node:net';

/** Names proxy-addr (Fastify's trustProxy) understands besides addresses and ranges. */
const NAMED_RANGES = ['loopback', 'linklocal', 'uniquelocal'];

/**
 * The proxies to trust: addresses and CIDR ranges, comma-separated (e.g. `127.0.0.1`,
 * `10.0.0.0/8,172.16.0.0/12`); unset, blank, 0 or false: none. `1`/`true` is refused, as it would
 * trust every client.
 */
export function trustedProxies(value: string | undefined): string[] | false {
  const text = (value ?? '').trim();
  if (text === '' || /^(0|false|no|off)$/i.test(text)) return false;
  if (/^(1|true|yes|on|\*|all)$/i.test(text)) {
    throw new Error(
      'TRUST_PROXY 不接受 1 或 true：那样任何客户端都能用 X-Forwarded-For 冒充自己的地址，绕过登录次数限制。' +
        '请写出反向代理的地址或网段，以逗号分隔，例如 TRUST_PROXY=127.0.0.1 或 TRUST_PROXY=10.0.0.0/8,172.16.0.0/12',
    );
  }
  const entries = text.split(',').map((entry) => entry.trim()).filter(Boolean);
  for (const entry of entries) {
    if (NAMED_RANGES.includes(entry)) continue;
    const [address, bits, extra] = entry.split('/');
    const family = isIP(address);
    const validBits = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
    if (family === 0 || extra !== undefined || !validBits) {
      throw new Error(`TRUST_PROXY 中的「${entry}」不是 IP 地址或网段（例如 127.0.0.1、10.0.0.0/8、::1）`);
    }
  }
  return entries;
}
