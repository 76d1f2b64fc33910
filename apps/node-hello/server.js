// node-hello: answers GET / with a greeting that uses an npm dependency (ms).
const http = require('node:http');
const ms = require('ms');

const started = Date.now();
const message = 'Hello from Node.js on Berth!';

http.createServer((req, res) => {
  const body = req.url === '/version'
    ? `${process.version}\n`
    : `${message} (up ${ms(Date.now() - started)})\n`;
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(body);
}).listen(Number(process.env.PORT || 5000), () => {
  console.log(`node-hello listening on ${process.env.PORT || 5000}`);
});
