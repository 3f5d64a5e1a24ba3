'use strict';
// tests/e2e/cri.sh's CRI client: one call of the kubelet's CRI (runtime.v1, api.proto here, from
// kubernetes/cri-api v0.36.3) over containerd's socket.
//   node cri.js SOCKET METHOD [REQUEST_JSON] [TIMEOUT_S]
// prints the response as JSON (bytes as UTF-8 text; int64 as strings), or the error on stderr, exit 1.
// Field names are proto-loader's camelCase (podSandboxId, ...); enums by name (POD, CONTAINER_EXITED).
// Needs @grpc/grpc-js and @grpc/proto-loader (package.json, package-lock.json here) on NODE_PATH.
const path = require('path');
const grpc = require('@grpc/grpc-js');
const loader = require('@grpc/proto-loader');

const [socket, method, request = '{}', timeout = '120'] = process.argv.slice(2);
const def = loader.loadSync(path.join(__dirname, 'api.proto'),
  { keepCase: false, longs: String, enums: String, defaults: true, oneofs: true });
const pkg = grpc.loadPackageDefinition(def).runtime.v1;
const images = new Set(Object.keys(pkg.ImageService.service));
const Service = images.has(method) ? pkg.ImageService : pkg.RuntimeService;
if (!Service.service[method]) {
  console.error(`cri.js: no CRI method ${method}`);
  process.exit(64);
}
const client = new Service(`unix://${socket}`, grpc.credentials.createInsecure(),
  { 'grpc.max_receive_message_length': 64 << 20 });
const deadline = new Date(Date.now() + Number(timeout) * 1000);
client[method](JSON.parse(request), { deadline }, (err, res) => {
  if (err) {
    console.error(`cri.js: ${method}: ${err.code} ${err.details || err.message}`);
    process.exit(1);
  }
  process.stdout.write(JSON.stringify(res, (k, v) =>
    (v && v.type === 'Buffer' && Array.isArray(v.data)) ? Buffer.from(v.data).toString('utf8') : v, 1) + '\n');
  client.close();
});
