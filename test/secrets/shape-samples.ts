import { PLANTED } from './planted-formats.js';

/**
 * Text for every secret shape: the planted formats (how tools really print them), plus one line for
 * each shape they do not cover, plus near misses (a prefix without its body, a name without a
 * value) that must reach the shapes' own regexes and come out as the full pass leaves them.
 * Every value is fake but has the real shape (prefix, length, alphabet).
 */
const hex = (n: number) => '0123456789abcdef'.repeat(8).slice(0, n);
const alnum = (n: number) => 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789'.repeat(4).slice(0, n);

export const MORE_SHAPES: string[] = [
  'posting to https://discord.com/api/webhooks/123456789012345678/AbCdEfGhIjKlMnOpQrStUvWxYz_-0123',
  'posting to https://ptb.discordapp.com/api/webhooks/1/AbCdEfGhIjKlMnOpQrStUvWx',
  'teams: https://contoso.webhook.office.com/webhookb2/aaaa-bbbb-cccc@dddd/IncomingWebhook/eeee',
  'AZURE_CLIENT_SECRET value abc8Q~AbCdEfGhIjKlMnOpQrStUvWxYz01234567',
  'gitlab-runner register --registration-token GR1348941AbCdEfGhIjKlMnOpQrSt',
  'slack app xapp-1-A0123ABCDEF-1234567890123-abcdef0123456789',
  `twine: pypi-AgEIcHlwaS5vcmc${alnum(60)}`,
  `gcloud: ya29.${alnum(40)}`,
  `mailchimp ${hex(32)}-us12`,
  `jira ATATT3${alnum(30)}`,
  `grafana glsa_${alnum(32)}_abcd1234`,
  `terraform ${alnum(14).toLowerCase()}.atlasv1.${alnum(64).toLowerCase()}`,
  `doppler dp.st.dev.${alnum(40)}`,
  `doppler dp.pt.${alnum(43)}`,
  `linear lin_api_${alnum(40)}`,
  `postman PMAK-${hex(24)}-${hex(34)}`,
  `newrelic NRAK-${alnum(27).toUpperCase()}`,
  `pulumi pul-${hex(40)}`,
  `age AGE-SECRET-KEY-1${'QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L'.repeat(2).slice(0, 58)}`,
  `dynatrace dt0c01.${alnum(24).toUpperCase()}.${alnum(64).toUpperCase()}`,
  `square sq0atp-${alnum(22)} and EAAA${alnum(60)}`,
  `facebook EAAC${alnum(70)}`,
  // Case variants of the case-insensitive shapes.
  'PROXY-AUTHORIZATION: Negotiate YIIGhgYGKwYBBQUCoIIGejCCBnagMDAuBgkqhkiC',
  'BEARER AbCdEfGhIjKlMnOp',
  'SET-COOKIE: sid=xyz',
  'DB_PASSWORD = "with spaces in it"',
  'Server=x;PASSWORD=Sp4ces Allowed Here;',
  'cmd --Client-Secret Abcdef123',
  'HTTPS://user:Pa55w0rd@example.com/',
  'XAPP-1-A0123-1-abc',
];

/** Pieces of secrets without the rest: every trigger appears, few shapes match. */
export const NEAR_MISSES: string[] = [
  'ghp_', 'ghp_short', 'github_pat_', 'glpat-', 'AKIA', 'AKIA123', 'ASIA', 'A3T', 'xox', 'xoxb-1', 'npm_', 'AIza', 'ya29.', 'eyJ', 'eyJhbGci.x',
  'sk_live_', 'sk-', 'hf_', 'SG.', 'SK', 'SKIP', 'TASK', 'key-', 'key-value', '-us', '-us1', '_v1_', 'shp', 'shpat_', 'ATATT3', 'dapi', 'glc_', 'glsa_',
  'hvs.', 'dp.', 'lin_api_', 'PMAK-', 'NRAK-', 'pul-', 'AGE-SECRET-KEY-1', 'dt0c01.', 'sq0atp', 'EAAA', 'EAAC', '"auth"', '"auth": "x"', 'Q~', '1Q~',
  '-----BEGIN', '-----BEGIN CERTIFICATE-----', 'authorization', 'Authorization:', 'bearer', 'Bearer x', 'cookie', 'Cookie:', 'token', 'token:',
  'token: true', 'secret=no', 'pass', 'password', 'passed', 'bypass=yes', 'compass: north', 'pwd', 'PWD=/home', 'OLDPWD=/tmp', 'key', 'key: ***',
  'credential', 'credentials: none', ';pwd', ';Password', '--password', '--password ***', '-u', '-u x', '-u user:', '--user a:b', '://', 'http://host:8080/a@b',
  'sig=', '?sig=', 'https://hooks.slack.com/', '/api/webhooks/', '.webhook.office.com/', 'xapp-', '.atlasv1.', 'GR1348941', 'pypi-AgEIcHlwaS5vcmc',
  '\u212Aey: value1', 'to\u212Aen=abcd', 'ſecret=abcdef', '\u0130token=abcdef', 'ＴＯＫＥＮ=abcdef',
];

/** Every sample: the planted texts, their secrets bare, the extra shapes and the near misses. */
export const ALL_SAMPLES: string[] = [...PLANTED.flatMap((p) => [p.text, ...p.secrets]), ...MORE_SHAPES, ...NEAR_MISSES];
