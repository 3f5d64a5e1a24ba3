'use strict';
// tests/e2e/cri.sh's stand-in for Backstage's backend in the chart's image: /app/packages/backend/index.js,
// started by the chart's args (node packages/backend --config app-config.yaml ...). What it does is what
// the CRI scenarios look at:
//   boot: reads each --config file, writes, truncates and renames a file in SQLITE_STORAGE_DIR (the chart's
//         database directory), runs a child process and waits for it, then listens on 0.0.0.0:$PORT (7007);
//   GET /healthcheck: the chart's probe path, answers {"status":"ok"};
//   GET /orphans: starts a child that starts 3 detached grandchildren living 1.5 s and exits at once
//         (orphans, re-parented to the nearest subreaper: the shim), answers their pids;
//   GET /watch: fs.watch on /tmp (inotify, which nothing else here uses): "watch ok" or the error's code;
//   GET /: uid, gid, Seccomp, pid and ppid lines;
//   TERM: logs "backend: SIGTERM", stops after FIXTURE_STOP_MS (0; Backstage takes 51-55 s) and exits 0.
const fs = require('fs');
const http = require('http');
const path = require('path');
const { spawn, spawnSync } = require('child_process');

const argv = process.argv.slice(2);
const configs = argv.filter((a, i) => argv[i - 1] === '--config');
for (const c of configs) if (!fs.existsSync(c)) throw new Error(`no config file ${c}`);
const dir = process.env.SQLITE_STORAGE_DIR || '/tmp';
fs.mkdirSync(dir, { recursive: true });
const db = path.join(dir, 'backstage.sqlite');
fs.writeFileSync(`${db}-journal`, 'x'.repeat(4096));
fs.truncateSync(`${db}-journal`, 0);
fs.renameSync(`${db}-journal`, db);
if (spawnSync(process.execPath, ['-e', 'process.exit(7)']).status !== 7) throw new Error('child status');

function status() {
  const s = fs.readFileSync('/proc/self/status', 'utf8');
  const field = (k) => (s.match(new RegExp(`^${k}:\\s*(.*)$`, 'm')) || [])[1];
  return [`uid: ${process.getuid()}`, `gid: ${process.getgid()}`, `Seccomp: ${field('Seccomp')}`,
    `NoNewPrivs: ${field('NoNewPrivs')}`, `CapEff: ${field('CapEff')}`, `pid: ${process.pid}`,
    `ppid: ${process.ppid}`, `argv: ${JSON.stringify(argv)}`].join('\n') + '\n';
}

const server = http.createServer((req, res) => {
  if (req.url === '/healthcheck') {
    res.setHeader('content-type', 'application/json');
    res.end('{"status":"ok"}');
  } else if (req.url === '/orphans') {
    const code = `const {spawn}=require('child_process');const p=[];for(let i=0;i<3;i++){` +
      `const c=spawn(process.execPath,['-e','setTimeout(()=>{},1500)'],{detached:true,stdio:'ignore'});` +
      `c.unref();p.push(c.pid);}console.log(p.join(' '));`;
    const c = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.on('data', (d) => { out += d; });
    c.on('exit', () => res.end(out));
  } else if (req.url === '/watch') {
    try {
      fs.watch('/tmp').close();
      res.end('watch ok\n');
    } catch (e) {
      res.end(`watch ${e.code}\n`);
    }
  } else {
    res.end(status());
  }
});
server.listen(Number(process.env.PORT || 7007), '0.0.0.0', () => {
  console.log(`backend: listening on ${server.address().port}, configs ${configs.join(',')}, uid ${process.getuid()}`);
});
process.on('SIGTERM', () => {
  console.log('backend: SIGTERM');
  setTimeout(() => {
    server.close();
    console.log('backend: stopped');
    process.exit(0);
  }, Number(process.env.FIXTURE_STOP_MS || 0));
});
