// What a channel's provider answered, in the terms the outbox needs: sent (with the provider's
// id), or failed with the provider's code, transient (retry with backoff) or permanent (show it).

export type DeliveryOutcome =
  | { status: 'sent'; providerId?: string }
  | { status: 'failed'; transient: boolean; code: string; message: string };

export const sent = (providerId?: string): DeliveryOutcome => ({ status: 'sent', providerId });
export const transientFailure = (code: string, message: string): DeliveryOutcome => ({ status: 'failed', transient: true, code, message });
export const permanentFailure = (code: string, message: string): DeliveryOutcome => ({ status: 'failed', transient: false, code, message });

/** How long an HTTP call to a provider may take before it counts as a network failure. */
export const PROVIDER_TIMEOUT_MS = 10_000;

/**
 * POSTs to a provider and reads its JSON answer. A refused connection, a timeout, a 5xx or an
 * answer that is not JSON is a transient failure: the message may be tried again.
 */
export async function postToProvider(
  url: string,
  init: { body: string; contentType: string },
): Promise<{ ok: true; status: number; json: Record<string, unknown> } | { ok: false; outcome: DeliveryOutcome }> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': init.contentType },
      body: init.body,
      signal: AbortSignal.timeout(PROVIDER_TIMEOUT_MS),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
    return { ok: false, outcome: transientFailure('NETWORK', `无法连接服务（${cause}）`) };
  }
  const text = await response.text().catch(() => '');
  if (response.status >= 500) return { ok: false, outcome: transientFailure(`HTTP_${response.status}`, `服务暂时不可用（HTTP ${response.status}）`) };
  try {
    const json = JSON.parse(text) as unknown;
    if (json && typeof json === 'object' && !Array.isArray(json)) return { ok: true, status: response.status, json: json as Record<string, unknown> };
  } catch {
    // not JSON: said below
  }
  if (response.status === 404 || response.status === 401 || response.status === 403) {
    return { ok: false, outcome: permanentFailure(`HTTP_${response.status}`, `服务拒绝了请求（HTTP ${response.status}），请检查地址与密钥`) };
  }
  return { ok: false, outcome: transientFailure(`HTTP_${response.status}`, `服务的应答无法识别（HTTP ${response.status}）`) };
}
