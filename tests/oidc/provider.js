// The identity provider of the sign-in tests: oauth2-mock-server on the loopback (tests/oidc_provider.py
// starts it). Its /authorize signs anyone in at once; who that is, the test says beforehand with
// POST /test/identity {"preferred_username": "…", …}: those claims go into every token it signs next.
// {"error": "access_denied"} makes it refuse instead, as a provider does when the person cancels.
'use strict';
const { OAuth2Server } = require('oauth2-mock-server');

async function main() {
  const port = Number(process.argv[2] || 0);
  const server = new OAuth2Server();
  await server.issuer.keys.generate('RS256');
  let identity = {};
  server.service.requestHandler.post('/test/identity', (req, res) => {
    identity = req.body && typeof req.body === 'object' ? req.body : {};
    res.json(identity);
  });
  server.service.on('beforeTokenSigning', (token) => Object.assign(token.payload, identity));
  server.service.on('beforeUserinfo', (response) => Object.assign(response.body, identity));
  server.service.on('beforeAuthorizeRedirect', ({ url }) => {
    if (identity.error) {
      url.searchParams.delete('code');
      url.searchParams.set('error', identity.error);
    }
  });
  await server.start(port, '127.0.0.1');
  server.issuer.url = `http://127.0.0.1:${server.address().port}`; // not "localhost", which may be ::1 first
  console.log(`OIDC provider listening on ${server.issuer.url}`);
  const stop = () => server.stop().finally(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
