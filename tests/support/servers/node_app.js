// A loopback node:http server (or Express, when argv[3] is "express") using an
// exported middleware: `/` answers 200, `/error` 500, `/cors` sets its own
// CORS headers (as upstream.py's UPSTREAM_CORS_HEADERS), `/throw` throws
// (Express's default error handler answers).
'use strict';
const http = require('http');
const cors = require(process.argv[2]);

function application(req, res) {
  if (req.url === '/error') {
    res.statusCode = 500;
    res.end();
  } else if (req.url === '/cors') {
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Access-Control-Allow-Credentials', 'true');
    res.setHeader('Access-Control-Allow-Methods', 'GET, DELETE');
    res.setHeader('Access-Control-Allow-Headers', 'x-upstream');
    res.setHeader('Access-Control-Expose-Headers', 'x-secret');
    res.setHeader('Access-Control-Max-Age', '86400');
    res.setHeader('Access-Control-Allow-Private-Network', 'true');
    res.setHeader('Access-Control-Upstream-Extra', 'yes');
    res.setHeader('X-Secret', 's3cr3t');
    res.end('own cors\n');
  } else {
    res.end('ok\n');
  }
}

let server;
if (process.argv[3] === 'express') {
  const express = require('express');
  const app = express();
  app.use(cors);
  app.get('/throw', () => {
    throw new Error('boom');
  });
  app.use(application);
  server = http.createServer(app);
} else {
  server = http.createServer((req, res) => cors(req, res, () => application(req, res)));
}
server.keepAliveTimeout = 1000;
server.listen(0, '127.0.0.1', () => {
  console.error(`listening on ${server.address().port}`);
});
