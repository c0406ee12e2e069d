/**
 * Shapes of secrets that are secret wherever they appear, as `[name, regex, replacement, needs,
 * alsoNeeds?]`. The token formats follow the shapes gitleaks' rule set documents (prefixes and
 * lengths published by each vendor); the named-value rules cover how tools print credentials: headers, flags, key=value,
 * JSON and YAML fields, URLs, connection strings, PEM blocks and kubeconfigs.
 *
 * Every regex is linear: no nested quantifiers, bounded lazy runs ending at a fixed delimiter.
 * `$1`/`$2` keep the key so that a report still says *what* was masked.
 *
 * `needs` (and `alsoNeeds`) are literal pieces of text at least one of which any match must hold:
 * `redact` runs a shape only on text that holds one of each (`secrets/shape-triggers.ts`), so a line
 * with no possible secret costs one scan, not fifty regexes. Lower case for a case-insensitive
 * shape (compared with the lower-cased text), exact otherwise. A trigger that a match could lack
 * would let a secret through: every shape's triggers are checked against its samples and against
 * strings generated from its regex (`test/secrets/shape-triggers.test.ts`).
 */
export const MASK = '***';

// A value, up to the next delimiter; never re-masks a mask and leaves switches (true/false) alone.
const VALUE = String.raw`(?!\*\*\*)(?!(?:true|false|null|none|yes|no)\b)[^\s"'\`,;&<>]{3,}`;
// Names of fields that hold a secret: `db_password`, `X-Api-Key`, `client_secret`, `auth-token`, `DB_PASS`.
const SECRET_NAME = String.raw`[A-Za-z0-9_.-]*?(?:token|secret|password|passwd|passphrase|api[_-]?key|apikey|access[_-]?key|private[_-]?key|secret[_-]?key|client[_-]?secret|credentials?|[_-]pass|(?<![A-Za-z])pass|(?<!\b(?:old)?)pwd|sharedaccesskey|accountkey|client-key-data)`;
// A separator between a name and its value: `=`, `: `, `": "`, `' => '`.
const SEP = String.raw`["']?\s*(?:[:=]|=>)\s*`;

/** A secret shape: name, regex, replacement, and the literals a match needs (one of each list). */
export type Shape = [name: string, re: RegExp, replacement: string, needs: string[], alsoNeeds?: string[]];

// Every secret name (SECRET_NAME) holds one of these, and a separator (SEP) holds `:` or `=`.
const NAMED = ['token', 'secret', 'pass', 'key', 'credential', 'pwd'];
const SEPARATED = [':', '='];

export const SHAPES: Shape[] = [
  // PEM private keys (RSA, EC, DSA, OPENSSH, PGP, ENCRYPTED): real newlines or JSON's \n; an unfinished block is masked to the end.
  ['pem private key', /-----BEGIN[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----|$)/g, MASK, ['-----BEGIN']],
  // Authorization headers: curl -v, HTTP clients, JSON ("Authorization": "Basic …"), kubeconfigs.
  ['authorization header', /\b((?:proxy-)?authorization["']?\s*[:=]\s*["']?)(?:(bearer|basic|token|digest|negotiate|aws4-hmac-sha256|apikey)\s+)?[^\s"',;]+/gi, `$1$2 ${MASK}`, ['authorization'], [':', '=']],
  ['bearer token', /\b(bearer\s+)[A-Za-z0-9\-._~+/]{8,}=*/gi, `$1${MASK}`, ['bearer']],
  // Cookies: the whole header value (every name=value pair in it).
  ['cookie header', /\b((?:set-)?cookie["']?\s*:\s*["']?)[^\r\n"']+/gi, `$1${MASK}`, ['cookie'], [':']],
  // Quoted values of secret names may hold spaces: password: "correct horse battery staple".
  ['quoted secret value', new RegExp(String.raw`\b(${SECRET_NAME}${SEP})(["'])(?!\*\*\*\2)[^"'\r\n]{1,4096}?\2`, 'gi'), `$1$2${MASK}$2`, NAMED, SEPARATED],
  ['secret key=value', new RegExp(String.raw`\b(${SECRET_NAME}${SEP}["']?)${VALUE}`, 'gi'), `$1${MASK}`, NAMED, SEPARATED],
  // Connection strings (ADO.NET, ODBC): Pwd= and Password= up to the next `;`, spaces included.
  ['connection string password', /(;\s*(?:pwd|password)\s*=)(?!\*\*\*)[^;\r\n"']+/gi, `$1${MASK}`, ['pwd', 'password'], [';']],
  // Command-line flags with the value after a space: --password X, --token X, --client-secret X.
  ['secret flag', /(?<![\w-])(--?(?:password|passwd|pass|token|secret|api-?key|access-token|auth-token|client-secret|private-key|bearer-token|sas-token|account-key)\s+)(?!\*\*\*)(?!-)(["']?)[^\s"']+\2/gi, `$1$2${MASK}$2`, ['-pass', '-token', '-secret', '-api', '-access-token', '-auth-token', '-client-secret', '-private-key', '-bearer-token', '-sas-token', '-account-key']],
  ['curl user:password', /(?<![\w-])((?:-u|--user|--proxy-user)\s+["']?[^\s:"']+:)[^\s"']+/g, `$1${MASK}`, ['-u'], [':']],
  // Credentials in URLs: https://user:pass@host, redis://:pass@host, amqp://u:p@h.
  ['url credentials', /\b([a-z][a-z0-9+.-]*:\/\/[^\s/:@]*:)(?!\*\*\*@)[^\s/@]+@/gi, `$1${MASK}@`, ['://'], ['@']],
  // Sentry DSNs: the public key is the user part (https://<32 hex>@o1.ingest.sentry.io/2).
  ['sentry dsn', /\b(https?:\/\/)[0-9a-f]{32}(?::[0-9a-f]{32})?@/gi, `$1${MASK}@`, ['://'], ['@']],
  ['slack webhook', /\bhttps:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9/_-]{20,}/g, `https://hooks.slack.com/${MASK}`, ['https://hooks.slack.com/']],
  ['discord webhook', /\bhttps:\/\/(?:ptb\.|canary\.)?discord(?:app)?\.com\/api\/webhooks\/\d+\/[A-Za-z0-9_-]{20,}/g, `https://discord.com/api/webhooks/${MASK}`, ['/api/webhooks/']],
  ['teams webhook', /\bhttps:\/\/[a-z0-9-]+\.webhook\.office\.com\/[^\s"']{20,}/gi, `https://webhook.office.com/${MASK}`, ['.webhook.office.com/']],
  // Azure SAS tokens and storage connection strings.
  ['azure sas signature', /([?&;\s]sig=)[^&\s"']+/gi, `$1${MASK}`, ['sig=']],
  ['azure ad client secret', /\b[a-zA-Z0-9_~.]{3}\dQ~[a-zA-Z0-9_~.-]{31,34}/g, MASK, ['Q~']],
  // Vendor tokens, by prefix.
  ['github token', /\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})\b/g, MASK, ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_']],
  ['gitlab token', /\b(?:glpat|gldt|glrt|glptt|glft|glimt|glagent|glcbt|glsoat|gloas)-[A-Za-z0-9_-]{16,}\b/g, MASK, ['glpat-', 'gldt-', 'glrt-', 'glptt-', 'glft-', 'glimt-', 'glagent-', 'glcbt-', 'glsoat-', 'gloas-']],
  ['gitlab runner registration token', /\bGR1348941[A-Za-z0-9_-]{20,}\b/g, MASK, ['GR1348941']],
  ['slack token', /\bxox[abposre]-[A-Za-z0-9-]{10,}\b/g, MASK, ['xox']],
  ['slack app token', /\bxapp-\d-[A-Z0-9]+-\d+-[a-z0-9]+\b/gi, MASK, ['xapp-']],
  ['aws access key id', /\b(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}\b/g, MASK, ['AKIA', 'ASIA', 'ABIA', 'ACCA', 'A3T']],
  ['npm token', /\bnpm_[A-Za-z0-9]{30,}\b/g, MASK, ['npm_']],
  ['pypi token', /\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}/g, MASK, ['pypi-AgEIcHlwaS5vcmc']],
  ['google api key', /\bAIza[0-9A-Za-z_-]{35}\b/g, MASK, ['AIza']],
  ['google oauth token', /\bya29\.[0-9A-Za-z_-]{20,}/g, MASK, ['ya29.']],
  ['jwt', /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, MASK, ['eyJ'], ['.']],
  ['stripe key', /\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}\b/g, MASK, ['_live_', '_test_']],
  ['openai or anthropic key', /\bsk-(?:proj-|ant-(?:api|admin)\d{2}-|svcacct-)?[A-Za-z0-9_-]{20,}/g, MASK, ['sk-']],
  ['hugging face token', /\bhf_[A-Za-z]{30,}\b/g, MASK, ['hf_']],
  ['sendgrid key', /\bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}/g, MASK, ['SG.']],
  ['twilio key', /\bSK[0-9a-f]{32}\b/g, MASK, ['SK']],
  ['mailgun key', /\bkey-[0-9a-f]{32}\b/g, MASK, ['key-']],
  ['mailchimp key', /\b[0-9a-f]{32}-us\d{1,2}\b/g, MASK, ['-us']],
  ['digitalocean token', /\bdo[opr]_v1_[a-f0-9]{64}\b/g, MASK, ['_v1_']],
  ['shopify token', /\bshp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}\b/g, MASK, ['shp']],
  ['atlassian token', /\bATATT3[A-Za-z0-9_\-=]{20,}/g, MASK, ['ATATT3']],
  ['databricks token', /\bdapi[a-f0-9]{32}(?:-\d)?\b/g, MASK, ['dapi']],
  ['grafana token', /\b(?:glc|glsa)_[A-Za-z0-9_+/=-]{32,}/g, MASK, ['glc_', 'glsa_']],
  ['vault token', /\bhv[sbr]\.[A-Za-z0-9_-]{24,}/g, MASK, ['hvs.', 'hvb.', 'hvr.']],
  ['terraform cloud token', /\b[a-z0-9]{14}\.atlasv1\.[a-z0-9_=-]{60,}/gi, MASK, ['.atlasv1.']],
  ['doppler token', /\bdp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9]{40,}/g, MASK, ['dp.']],
  ['linear key', /\blin_api_[A-Za-z0-9]{40}\b/g, MASK, ['lin_api_']],
  ['postman key', /\bPMAK-[a-f0-9]{24}-[a-f0-9]{34}\b/g, MASK, ['PMAK-']],
  ['new relic key', /\bNR(?:AK|II|JS)-[A-Za-z0-9]{27,}/g, MASK, ['NRAK-', 'NRII-', 'NRJS-']],
  ['pulumi token', /\bpul-[a-f0-9]{40}\b/g, MASK, ['pul-']],
  ['age secret key', /\bAGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}\b/g, MASK, ['AGE-SECRET-KEY-1']],
  ['dynatrace token', /\bdt0c01\.[A-Z0-9]{24}\.[A-Z0-9]{64}\b/g, MASK, ['dt0c01.']],
  ['square token', /\b(?:sq0atp|sq0csp|EAAA)[A-Za-z0-9_-]{22,}/g, MASK, ['sq0atp', 'sq0csp', 'EAAA']],
  ['facebook token', /\bEAA[CD][A-Za-z0-9]{60,}/g, MASK, ['EAAC', 'EAAD']],
  ['docker config auth', /("auth"\s*:\s*")[A-Za-z0-9+/=]{8,}"/g, `$1${MASK}"`, ['"auth"']],
];
