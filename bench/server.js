// server.js: trivial HTTP server for the wrk benchmark. Binds 127.0.0.1 only.
// Usage: node server.js PORT   (prints "listening PORT" once ready; exits on SIGTERM/SIGINT)
'use strict';
const http = require('http');
const port = Number(process.argv[2] || 18431);
const body = Buffer.from('hello\n');
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': body.length });
  res.end(body);
});
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`listening ${port}\n`);
});
for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => process.exit(0));
}
