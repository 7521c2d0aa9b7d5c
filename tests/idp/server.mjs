// A real OpenID provider for the hub's sign-in tests: panva's oidc-provider (OpenID
// certified), configured from a JSON file the test writes:
//   { "client": {client_id, client_secret, redirect_uris, post_logout_redirect_uris},
//     "jwks": {"keys": [private EC P-256 JWK]}, "users": {"login": {claims...}} }
// It listens on a free loopback port and prints one line, {"issuer": "http://127.0.0.1:N"}.
// The client is confidential and must use PKCE (S256); ID tokens are ES256.
import { createServer } from 'node:http'
import { readFileSync } from 'node:fs'
import Provider from 'oidc-provider'

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'))
const users = config.users

const server = createServer()
server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`
  const provider = new Provider(issuer, {
    clients: [{
      ...config.client,
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'ES256'
    }],
    jwks: config.jwks,
    pkce: { required: () => true },
    scopes: ['openid', 'profile', 'roles'],
    claims: { openid: ['sub'], profile: ['name'], roles: ['roles'] },
    // The hub reads who the person is from the ID token, as Entra ID's app roles arrive.
    conformIdTokenClaims: false,
    findAccount: async (ctx, id) => users[id]
      ? { accountId: id, claims: async () => ({ sub: id, ...users[id] }) }
      : undefined,
    // Staff do not consent to their employer's own app: grant what the client asks.
    loadExistingGrant: async (ctx) => {
      const existing = ctx.oidc.result?.consent?.grantId ||
        ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId)
      if (existing) return ctx.oidc.provider.Grant.find(existing)
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId
      })
      grant.addOIDCScope('openid profile roles')
      await grant.save()
      return grant
    },
    features: {
      devInteractions: { enabled: true },
      rpInitiatedLogout: { enabled: true }
    },
    cookies: { keys: ['used-only-by-the-test-provider'] },
    renderError: async (ctx, out) => {
      ctx.type = 'html'
      ctx.body = `<!DOCTYPE html><title>error</title><h1>${out.error}</h1>`
    }
  })
  server.on('request', provider.callback())
  process.stdout.write(JSON.stringify({ issuer }) + '\n')
})
