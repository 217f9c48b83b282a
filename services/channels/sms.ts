// SMS through an interface, not one vendor: the outbox hands a provider a message and reads back
// a DeliveryOutcome. Aliyun's 短信服务 (dysmsapi) is the implementation here; another vendor is
// another SmsProvider.
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { permanentFailure, postToProvider, sent, transientFailure, type DeliveryOutcome } from './outcome.js';
import type { SmsTemplateName } from '../../domain/channels.js';

export interface SmsMessage {
  /** Stable across retries (the outbox message's key): the provider's OutId, so a receipt can be matched. */
  key: string;
  /** 11-digit mobile numbers. */
  mobiles: string[];
  /** Which of the registered templates, and its variables. */
  template: SmsTemplateName;
  params: Record<string, string>;
  /** The text as the recipient reads it (for the record and the console). */
  text: string;
}

export interface SmsProvider {
  readonly name: string;
  send(message: SmsMessage): Promise<DeliveryOutcome>;
}

// ---------------------------------------------------------------------------------- Aliyun

export const ALIYUN_SMS_ENDPOINT = 'https://dysmsapi.aliyuncs.com/';

export interface AliyunSmsOptions {
  accessKeyId: string;
  accessKeySecret: string;
  /** 短信签名, as approved by the provider (e.g. 北海创城办). */
  signName: string;
  /** The provider's TemplateCode (SMS_123456789) of each of our templates the office registered. */
  templateCodes: Partial<Record<SmsTemplateName, string>>;
  /** Defaults to the public endpoint; the embedded stack points it at its fake. */
  endpoint?: string;
  regionId?: string;
  /** For tests: the request's nonce and time. */
  nonce?: () => string;
  now?: () => Date;
}

/** RFC 3986 encoding as the RPC signature wants it: only A–Z a–z 0–9 - _ . ~ stay as they are. */
export function aliyunPercentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The canonical query: parameters sorted by name, each name=value percent-encoded, joined with &. */
export function aliyunCanonicalQuery(params: Record<string, string>): string {
  return Object.keys(params)
    .sort()
    .map((k) => `${aliyunPercentEncode(k)}=${aliyunPercentEncode(params[k])}`)
    .join('&');
}

/** Signature v1 of the RPC API: HMAC-SHA1 with key "<secret>&" over "METHOD&%2F&<encoded canonical query>", base64. */
export function aliyunSignature(method: 'GET' | 'POST', params: Record<string, string>, accessKeySecret: string): string {
  const stringToSign = `${method}&${aliyunPercentEncode('/')}&${aliyunPercentEncode(aliyunCanonicalQuery(params))}`;
  return createHmac('sha1', `${accessKeySecret}&`).update(stringToSign).digest('base64');
}

// The provider's codes (its error code list): what waiting can mend, and what needs a person.
const ALIYUN_TRANSIENT = new Set([
  'isp.SYSTEM_ERROR',
  'isv.BUSINESS_LIMIT_CONTROL', // flow control per number or account: passes with time
  'isp.RAM_PERMISSION_DENY_TIMEOUT',
  'Throttling',
  'Throttling.User',
  'Throttling.Api',
  'ServiceUnavailable',
  'InternalError',
  'SignatureNonceUsed', // a new nonce on the next try
  'InvalidTimeStamp.Expired',
]);
const ALIYUN_PERMANENT_MESSAGES: Record<string, string> = {
  'isv.MOBILE_NUMBER_ILLEGAL': '手机号码格式错误或不存在',
  'isv.MOBILE_COUNT_OVER_LIMIT': '手机号码数量超过上限',
  'isv.BLACK_KEY_CONTROL_LIMIT': '内容含有禁止发送的关键字',
  'isv.SMS_TEMPLATE_ILLEGAL': '短信模板不存在或未通过审核',
  'isv.SMS_SIGNATURE_ILLEGAL': '短信签名不存在或未通过审核',
  'isv.TEMPLATE_MISSING_PARAMETERS': '模板变量缺少取值',
  'isv.INVALID_PARAMETERS': '参数错误',
  'isv.INVALID_JSON_PARAM': '模板变量不是有效的 JSON',
  'isv.PARAM_LENGTH_LIMIT': '模板变量超长',
  'isv.PARAM_NOT_SUPPORT_URL': '模板变量中不能含网址',
  'isv.AMOUNT_NOT_ENOUGH': '账户余额不足',
  'isv.OUT_OF_SERVICE': '短信业务已停机',
  'isv.PRODUCT_UN_SUBSCRIPT': '未开通短信服务',
  'isv.PRODUCT_UNSUBSCRIBE': '未开通短信服务',
  'isv.ACCOUNT_NOT_EXISTS': '账户不存在',
  'isv.ACCOUNT_ABNORMAL': '账户异常',
  'isp.RAM_PERMISSION_DENY': 'AccessKey 无短信发送权限',
  'isv.DENY_IP_RANGE': '来源 IP 不在允许范围内',
  SignatureDoesNotMatch: '签名不符：AccessKeySecret 有误',
  'InvalidAccessKeyId.NotFound': 'AccessKeyId 不存在',
  'InvalidAccessKeyId.Inactive': 'AccessKeyId 已停用',
};

/** Whether a code of Aliyun's SMS answer means sent, worth another try, or refused for good. */
export function classifyAliyunSmsCode(code: string): 'ok' | 'transient' | 'permanent' {
  if (code === 'OK') return 'ok';
  if (ALIYUN_TRANSIENT.has(code)) return 'transient';
  if (code in ALIYUN_PERMANENT_MESSAGES || /BLACK|BLOCK/i.test(code)) return 'permanent';
  // An unknown isp.* is the platform's own trouble; an unknown isv.* or other is about the request.
  return code.startsWith('isp.') ? 'transient' : 'permanent';
}

/** OutId is limited in length: a long key is sent as its hash (still the same on every retry). */
export function outIdOf(key: string): string {
  return /^[\w./:-]{1,64}$/.test(key) ? key : createHash('sha256').update(key).digest('hex').slice(0, 32);
}

export function createAliyunSmsProvider(options: AliyunSmsOptions): SmsProvider {
  const endpoint = options.endpoint ?? ALIYUN_SMS_ENDPOINT;
  return {
    name: 'aliyun',
    async send(message) {
      const templateCode = options.templateCodes[message.template];
      if (!templateCode) return permanentFailure('TEMPLATE_NOT_CONFIGURED', `短信模板 ${message.template} 未配置模板编号（ALIYUN_SMS_TEMPLATES）`);
      const params: Record<string, string> = {
        AccessKeyId: options.accessKeyId,
        Action: 'SendSms',
        Format: 'JSON',
        OutId: outIdOf(message.key),
        PhoneNumbers: message.mobiles.join(','),
        RegionId: options.regionId ?? 'cn-hangzhou',
        SignName: options.signName,
        SignatureMethod: 'HMAC-SHA1',
        SignatureNonce: options.nonce?.() ?? randomUUID(),
        SignatureVersion: '1.0',
        TemplateCode: templateCode,
        TemplateParam: JSON.stringify(message.params),
        Timestamp: (options.now?.() ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        Version: '2017-05-25',
      };
      const body = `Signature=${aliyunPercentEncode(aliyunSignature('POST', params, options.accessKeySecret))}&${aliyunCanonicalQuery(params)}`;
      const answer = await postToProvider(endpoint, { body, contentType: 'application/x-www-form-urlencoded' });
      if (!answer.ok) return answer.outcome;
      const code = String(answer.json.Code ?? `HTTP_${answer.status}`);
      const said = String(answer.json.Message ?? '');
      switch (classifyAliyunSmsCode(code)) {
        case 'ok':
          return sent(typeof answer.json.BizId === 'string' ? answer.json.BizId : undefined);
        case 'transient':
          return transientFailure(code, `短信服务暂时无法发送（${code}${said ? `：${said}` : ''}）`);
        default:
          return permanentFailure(code, `短信被拒收：${ALIYUN_PERMANENT_MESSAGES[code] || said || code}（${code}）`);
      }
    },
  };
}
