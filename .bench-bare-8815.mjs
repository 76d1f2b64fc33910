import http from 'node:http';
const [host, p] = '172.17.0.2:5000'.split(':');
const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
http.createServer((q, s) => {
  const u = http.request({ host, port: p, method: q.method, path: q.url, headers: q.headers, agent }, (r) => { s.writeHead(r.statusCode, r.headers); r.pipe(s); });
  u.on('error', () => s.destroy());
  q.pipe(u);
}).listen(39525, '127.0.0.1');