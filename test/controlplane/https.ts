// One small HTTPS client for the harness and the tests: the cluster CA, then a bearer token,
// a client certificate or nothing (anonymous). No Kubernetes client library: tests see raw status codes.
import https from 'node:https';

export interface HttpsRequest {
  url: string;
  ca: Buffer;
  method?: string;
  token?: string;
  clientCert?: { cert: Buffer; key: Buffer };
  /** Sent as JSON. */
  body?: unknown;
  /** application/json unless given (e.g. application/merge-patch+json for a PATCH). */
  contentType?: string;
  timeoutMs?: number;
}

export interface HttpsResponse {
  status: number;
  /** Parsed JSON when the server says so, else text. */
  body: unknown;
}

export function httpsRequest({ url, ca, method = 'GET', token, clientCert, body, contentType = 'application/json', timeoutMs = 15_000 }: HttpsRequest): Promise<HttpsResponse> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (payload !== undefined) headers['content-type'] = contentType;
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method, ca, headers, cert: clientCert?.cert, key: clientCert?.key, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const isJson = (res.headers['content-type'] ?? '').includes('json');
        resolve({ status: res.statusCode ?? 0, body: isJson && text ? JSON.parse(text) : text });
      });
    });
    // Messages name the request, never its headers: a token must not reach a log.
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err) => reject(new Error(`${method} ${url}: ${err.message}`)));
    req.end(payload);
  });
}
