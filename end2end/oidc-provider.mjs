// A real OpenID Connect provider on loopback for the tests (npm oauth2-mock-server),
// standing in for the provincial unified identity platform (统一身份认证).
//
//   node end2end/oidc-provider.mjs PORT      (0: any free port)
//
// Prints "oidc-provider ready <issuer>" once it serves discovery, JWKS, /authorize
// and /token. Every authorization is approved at once (no login page). The signed
// ID token carries the subject and the organisation claims the app reads:
// credit_code, credit_code_verified, org_name. Tests steer who signs in with
// `login_hint` on /authorize:
//   login_hint=sub|credit_code|verified (1 or 0)|org_name   (empty parts: omitted)
//   login_hint=deny                                          (answers error=access_denied)
// Without a hint it is the fixed test identity below.
import { OAuth2Server } from 'oauth2-mock-server';

const DEFAULT_IDENTITY = {
  sub: 'e2e-firm-0001',
  credit_code: '91510100MA6CAUTH1E',
  credit_code_verified: true,
  org_name: '四川统一认证测试咨询有限公司',
};

function identityFrom(hint) {
  if (typeof hint !== 'string' || hint === '') return DEFAULT_IDENTITY;
  const [sub, code, verified, name] = hint.split('|');
  const id = { sub: sub || DEFAULT_IDENTITY.sub };
  if (code) id.credit_code = code;
  if (verified !== undefined && verified !== '') id.credit_code_verified = verified === '1';
  if (name) id.org_name = name;
  return id;
}

const port = Number(process.argv[2] ?? 0);
const server = new OAuth2Server();
await server.issuer.keys.generate('RS256');

const byCode = new Map(); // authorization code -> identity
server.service.on('beforeAuthorizeRedirect', (redirect, req) => {
  const { searchParams } = redirect.url;
  if (req.query.login_hint === 'deny') {
    searchParams.delete('code');
    searchParams.set('error', 'access_denied');
    return;
  }
  const code = searchParams.get('code');
  if (code) byCode.set(code, identityFrom(req.query.login_hint));
});
server.service.on('beforeTokenSigning', (token, req) => {
  const id = byCode.get(req.body?.code);
  if (id) Object.assign(token.payload, id);
});
server.service.on('beforeResponse', (_response, req) => {
  byCode.delete(req.body?.code); // a code is good once
});

await server.start(port, '127.0.0.1');
server.issuer.url = `http://127.0.0.1:${server.address().port}`;
console.log(`oidc-provider ready ${server.issuer.url}`);

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, async () => {
    await server.stop();
    process.exit(0);
  });
}
