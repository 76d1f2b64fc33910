// Requests through Berth's router, addressed by Host header as a browser would.
import http from 'node:http';

/**
 * The pause between the requests of a client loop that watches a deploy for
 * failed requests. Back to back, a loop makes several hundred requests a
 * second and takes most of a core (its own, the router's and the app's) from
 * the build and the files running beside it; 5 ms still samples a switch
 * more than a hundred times a second.
 */
export const LOOP_PAUSE_MS = 5;

export interface Reply { status: number; body: string; headers: http.IncomingHttpHeaders }

export function viaRouter(routerPort: number, host: string, path = '/', timeoutMs = 5000): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port: routerPort, path, headers: { host }, agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}
