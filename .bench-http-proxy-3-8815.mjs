import http from 'node:http'; import { createProxyServer } from 'http-proxy-3';
const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
const proxy = createProxyServer({ xfwd: true, agent, target: 'http://172.17.0.2:5000' });
proxy.on('error', (e, q, s) => { try { s.destroy(); } catch {} });
http.createServer((q, s) => proxy.web(q, s)).listen(36181, '127.0.0.1');