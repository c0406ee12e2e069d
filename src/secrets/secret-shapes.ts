/**
 * Shapes of secrets that are secret wherever they appear, as `[name, regex, replacement]`. The
 * token formats follow the shapes gitleaks' rule set documents (prefixes and lengths published by
 * each vendor); the named-value rules cover how tools print credentials: headers, flags, key=value,
 * JSON and YAML fields, URLs, connection strings, PEM blocks and kubeconfigs.
 *
 * Every regex is linear: no nested quantifiers, bounded lazy runs ending at a fixed delimiter.
 * `$1`/`$2` keep the key so that a report still says *what* was masked.
 */
export const MASK = '***';

// A value, up to the next delimiter; never re-masks a mask and leaves switches (true/false) alone.
const VALUE = String.raw`(?!\*\*\*)(?!(?:true|false|null|none|yes|no)\b)[^\s"'\`,;&<>]{3,}`;
// Names of fields that hold a secret: `db_password`, `X-Api-Key`, `client_secret`, `auth-token`, `DB_PASS`.
const SECRET_NAME = String.raw`[A-Za-z0-9_.-]*?(?:token|secret|password|passwd|passphrase|api[_-]?key|apikey|access[_-]?key|private[_-]?key|secret[_-]?key|client[_-]?secret|credentials?|[_-]pass|(?<![A-Za-z])pass|(?<!\b(?:old)?)pwd|sharedaccesskey|accountkey|client-key-data)`;
// A separator between a name and its value: `=`, `: `, `": "`, `' => '`.
const SEP = String.raw`["']?\s*(?:[:=]|=>)\s*`;

export const SHAPES: Array<[string, RegExp, string]> = [
  // PEM private keys (RSA, EC, DSA, OPENSSH, PGP, ENCRYPTED): real newlines or JSON's \n; an unfinished block is masked to the end.
  ['pem private key', /-----BEGIN[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----|$)/g, MASK],
  // Authorization headers: curl -v, HTTP clients, JSON ("Authorization": "Basic …"), kubeconfigs.
  ['authorization header', /\b((?:proxy-)?authorization["']?\s*[:=]\s*["']?)(?:(bearer|basic|token|digest|negotiate|aws4-hmac-sha256|apikey)\s+)?[^\s"',;]+/gi, `$1$2 ${MASK}`],
  ['bearer token', /\b(bearer\s+)[A-Za-z0-9\-._~+/]{8,}=*/gi, `$1${MASK}`],
  // Cookies: the whole header value (every name=value pair in it).
  ['cookie header', /\b((?:set-)?cookie["']?\s*:\s*["']?)[^\r\n"']+/gi, `$1${MASK}`],
  // Quoted values of secret names may hold spaces: password: "correct horse battery staple".
  ['quoted secret value', new RegExp(String.raw`\b(${SECRET_NAME}${SEP})(["'])(?!\*\*\*\2)[^"'\r\n]{1,4096}?\2`, 'gi'), `$1$2${MASK}$2`],
  ['secret key=value', new RegExp(String.raw`\b(${SECRET_NAME}${SEP}["']?)${VALUE}`, 'gi'), `$1${MASK}`],
  // Connection strings (ADO.NET, ODBC): Pwd= and Password= up to the next `;`, spaces included.
  ['connection string password', /(;\s*(?:pwd|password)\s*=)(?!\*\*\*)[^;\r\n"']+/gi, `$1${MASK}`],
  // Command-line flags with the value after a space: --password X, --token X, --client-secret X.
  ['secret flag', /(?<![\w-])(--?(?:password|passwd|pass|token|secret|api-?key|access-token|auth-token|client-secret|private-key|bearer-token|sas-token|account-key)\s+)(?!\*\*\*)(?!-)(["']?)[^\s"']+\2/gi, `$1$2${MASK}$2`],
  ['curl user:password', /(?<![\w-])((?:-u|--user|--proxy-user)\s+["']?[^\s:"']+:)[^\s"']+/g, `$1${MASK}`],
  // Credentials in URLs: https://user:pass@host, redis://:pass@host, amqp://u:p@h.
  ['url credentials', /\b([a-z][a-z0-9+.-]*:\/\/[^\s/:@]*:)(?!\*\*\*@)[^\s/@]+@/gi, `$1${MASK}@`],
  // Sentry DSNs: the public key is the user part (https://<32 hex>@o1.ingest.sentry.io/2).
  ['sentry dsn', /\b(https?:\/\/)[0-9a-f]{32}(?::[0-9a-f]{32})?@/gi, `$1${MASK}@`],
  ['slack webhook', /\bhttps:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9/_-]{20,}/g, `https://hooks.slack.com/${MASK}`],
  ['discord webhook', /\bhttps:\/\/(?:ptb\.|canary\.)?discord(?:app)?\.com\/api\/webhooks\/\d+\/[A-Za-z0-9_-]{20,}/g, `https://discord.com/api/webhooks/${MASK}`],
  ['teams webhook', /\bhttps:\/\/[a-z0-9-]+\.webhook\.office\.com\/[^\s"']{20,}/gi, `https://webhook.office.com/${MASK}`],
  // Azure SAS tokens and storage connection strings.
  ['azure sas signature', /([?&;\s]sig=)[^&\s"']+/gi, `$1${MASK}`],
  ['azure ad client secret', /\b[a-zA-Z0-9_~.]{3}\dQ~[a-zA-Z0-9_~.-]{31,34}/g, MASK],
  // Vendor tokens, by prefix.
  ['github token', /\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})\b/g, MASK],
  ['gitlab token', /\b(?:glpat|gldt|glrt|glptt|glft|glimt|glagent|glcbt|glsoat|gloas)-[A-Za-z0-9_-]{16,}\b/g, MASK],
  ['gitlab runner registration token', /\bGR1348941[A-Za-z0-9_-]{20,}\b/g, MASK],
  ['slack token', /\bxox[abposre]-[A-Za-z0-9-]{10,}\b/g, MASK],
  ['slack app token', /\bxapp-\d-[A-Z0-9]+-\d+-[a-z0-9]+\b/gi, MASK],
  ['aws access key id', /\b(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}\b/g, MASK],
  ['npm token', /\bnpm_[A-Za-z0-9]{30,}\b/g, MASK],
  ['pypi token', /\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}/g, MASK],
  ['google api key', /\bAIza[0-9A-Za-z_-]{35}\b/g, MASK],
  ['google oauth token', /\bya29\.[0-9A-Za-z_-]{20,}/g, MASK],
  ['jwt', /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, MASK],
  ['stripe key', /\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}\b/g, MASK],
  ['openai or anthropic key', /\bsk-(?:proj-|ant-(?:api|admin)\d{2}-|svcacct-)?[A-Za-z0-9_-]{20,}/g, MASK],
  ['hugging face token', /\bhf_[A-Za-z]{30,}\b/g, MASK],
  ['sendgrid key', /\bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}/g, MASK],
  ['twilio key', /\bSK[0-9a-f]{32}\b/g, MASK],
  ['mailgun key', /\bkey-[0-9a-f]{32}\b/g, MASK],
  ['mailchimp key', /\b[0-9a-f]{32}-us\d{1,2}\b/g, MASK],
  ['digitalocean token', /\bdo[opr]_v1_[a-f0-9]{64}\b/g, MASK],
  ['shopify token', /\bshp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}\b/g, MASK],
  ['atlassian token', /\bATATT3[A-Za-z0-9_\-=]{20,}/g, MASK],
  ['databricks token', /\bdapi[a-f0-9]{32}(?:-\d)?\b/g, MASK],
  ['grafana token', /\b(?:glc|glsa)_[A-Za-z0-9_+/=-]{32,}/g, MASK],
  ['vault token', /\bhv[sbr]\.[A-Za-z0-9_-]{24,}/g, MASK],
  ['terraform cloud token', /\b[a-z0-9]{14}\.atlasv1\.[a-z0-9_=-]{60,}/gi, MASK],
  ['doppler token', /\bdp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9]{40,}/g, MASK],
  ['linear key', /\blin_api_[A-Za-z0-9]{40}\b/g, MASK],
  ['postman key', /\bPMAK-[a-f0-9]{24}-[a-f0-9]{34}\b/g, MASK],
  ['new relic key', /\bNR(?:AK|II|JS)-[A-Za-z0-9]{27,}/g, MASK],
  ['pulumi token', /\bpul-[a-f0-9]{40}\b/g, MASK],
  ['age secret key', /\bAGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}\b/g, MASK],
  ['dynatrace token', /\bdt0c01\.[A-Z0-9]{24}\.[A-Z0-9]{64}\b/g, MASK],
  ['square token', /\b(?:sq0atp|sq0csp|EAAA)[A-Za-z0-9_-]{22,}/g, MASK],
  ['facebook token', /\bEAA[CD][A-Za-z0-9]{60,}/g, MASK],
  ['docker config auth', /("auth"\s*:\s*")[A-Za-z0-9+/=]{8,}"/g, `$1${MASK}"`],
];
