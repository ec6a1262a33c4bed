// Loaded into Azurite with NODE_OPTIONS=--require: refuses and records (in $AMLX_SOCKET_GUARD_LOG) every
// connection or DNS lookup that is not for the loopback interface. Azurite runs with telemetry off; this
// proves it makes no other outbound attempt.
'use strict';
const fs = require('fs');
const net = require('net');
const dns = require('dns');

const logPath = process.env.AMLX_SOCKET_GUARD_LOG;
const isLoopback = (host) =>
  !host || host === 'localhost' || /^127\./.test(host) || host === '::1' || /^::ffff:127\./.test(host);

function refuse(what) {
  if (logPath) {
    try {
      fs.appendFileSync(logPath, JSON.stringify({ pid: process.pid, process: 'node ' + (process.argv[1] || ''), what }) + '\n');
    } catch (e) { /* the log is best effort; the refusal below still happens */ }
  }
  const err = new Error(`amlx socket guard: ${what} refused (only 127.0.0.1 is allowed in tests)`);
  err.code = 'ENETUNREACH';
  return err;
}

const realConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  let options = Array.isArray(args[0]) ? args[0][0] : args[0];
  let host;
  let isPath = false;
  if (options && typeof options === 'object') {
    host = options.host;
    isPath = Boolean(options.path);
  } else if (typeof options === 'string' && isNaN(Number(options))) {
    isPath = true;
  } else {
    host = typeof args[1] === 'string' ? args[1] : undefined;
  }
  if (!isPath && !isLoopback(host)) {
    const err = refuse(`connect to ${host}`);
    process.nextTick(() => this.destroy(err));
    return this;
  }
  return realConnect.apply(this, args);
};

const realLookup = dns.lookup;
dns.lookup = function (hostname, ...rest) {
  if (!isLoopback(hostname)) {
    const err = refuse(`DNS lookup of ${hostname}`);
    const callback = rest[rest.length - 1];
    if (typeof callback === 'function') process.nextTick(() => callback(err));
    return {};
  }
  return realLookup.call(this, hostname, ...rest);
};
