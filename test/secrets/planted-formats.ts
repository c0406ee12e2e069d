/**
 * Secret formats as tools really print them, each with the part that must never appear in any
 * output or file. Every value is fake but has the real shape (prefix, length, alphabet).
 * `text` is one or more lines; `secret` is what a leak search looks for.
 */
export interface PlantedSecret {
  name: string;
  text: string;
  secrets: string[];
}

const pem = (kind: string, body: string) => `-----BEGIN ${kind}PRIVATE KEY-----\n${body}\nZmFrZS1rZXktbGluZS10d28tZm9yLXRoZS10ZXN0\n-----END ${kind}PRIVATE KEY-----`;

export const PLANTED: PlantedSecret[] = [
  { name: 'JSON Authorization Basic', text: '{"headers": {"Authorization": "Basic dXNlcjpKc29uQmFzaWNQYXNzd29yZA=="}}', secrets: ['dXNlcjpKc29uQmFzaWNQYXNzd29yZA'] },
  { name: 'Authorization Bearer header', text: '> Authorization: Bearer Op4queBearerTok3nValue', secrets: ['Op4queBearerTok3nValue'] },
  { name: 'X-Api-Key header', text: '< X-Api-Key: xak9f8e7d6c5b4a3921', secrets: ['xak9f8e7d6c5b4a3921'] },
  { name: 'PRIVATE-TOKEN header', text: 'PRIVATE-TOKEN: pvt5c4b3a2910zz', secrets: ['pvt5c4b3a2910zz'] },
  { name: '--password space separated', text: 'running: mysql --user app --password Pw0rdFlagSpace1 db', secrets: ['Pw0rdFlagSpace1'] },
  { name: '--token space separated', text: 'vault login --token TokFlagSpace77x', secrets: ['TokFlagSpace77x'] },
  { name: '--client-secret space separated', text: 'az login --client-secret CliS3cretFlagVal', secrets: ['CliS3cretFlagVal'] },
  { name: 'PEM RSA private key (multi-line)', text: pem('RSA ', 'MIIEowIBAAKCAQEAplantedRSAkeybody1234567890'), secrets: ['MIIEowIBAAKCAQEAplantedRSAkeybody1234567890'] },
  { name: 'PEM OpenSSH private key (multi-line)', text: pem('OPENSSH ', 'b3BlbnNzaC1rZXktdjEAAAAplantedOpenSSHbody'), secrets: ['b3BlbnNzaC1rZXktdjEAAAAplantedOpenSSHbody'] },
  { name: 'PEM EC private key (multi-line)', text: pem('EC ', 'MHcCAQEEIplantedECkeybodyABCDEFGHIJKLMN'), secrets: ['MHcCAQEEIplantedECkeybodyABCDEFGHIJKLMN'] },
  { name: 'kubeconfig client-key-data', text: '    client-key-data: LS0tLS1CRUdJTiBFQyBQUklWQVRFIEtFWS0tLS0tCplantedKubeKey', secrets: ['LS0tLS1CRUdJTiBFQyBQUklWQVRFIEtFWS0tLS0tCplantedKubeKey'] },
  { name: 'kubeconfig token', text: '    token: kubeTok3nPlanted9q', secrets: ['kubeTok3nPlanted9q'] },
  { name: 'redis URL with password only', text: 'dial redis://:R3disPassPlanted@cache:6379/0 failed', secrets: ['R3disPassPlanted'] },
  { name: 'postgres URL credentials', text: 'postgres://app:PgPassPlanted42@db:5432/app refused', secrets: ['PgPassPlanted42'] },
  { name: 'amqp URL credentials', text: 'amqp://guest:AmqpPassPlanted7@mq:5672/ closed', secrets: ['AmqpPassPlanted7'] },
  { name: 'Sentry DSN', text: 'SENTRY: https://0f1e2d3c4b5a69788796a5b4c3d2e1f0@o123456.ingest.sentry.io/4505', secrets: ['0f1e2d3c4b5a69788796a5b4c3d2e1f0'] },
  { name: 'Slack webhook URL', text: 'posting to https://hooks.slack.com/services/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56', secrets: ['PlantedWebhookSecret123456'] },
  { name: 'Cookie header', text: '> Cookie: sessionid=CookieSess10nVal; theme=dark', secrets: ['CookieSess10nVal'] },
  { name: 'Set-Cookie header', text: '< Set-Cookie: auth_session=SetCookiePlanted99; HttpOnly', secrets: ['SetCookiePlanted99'] },
  { name: 'Azure SAS sig=', text: 'GET https://acct.blob.core.windows.net/c/b?sv=2022-11-02&se=2030&sig=AzSasSigPlanted%2Bq%3D 403', secrets: ['AzSasSigPlanted'] },
  { name: 'Azure storage AccountKey', text: 'DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=AzAccKeyPlanted0123456789==;EndpointSuffix=core.windows.net', secrets: ['AzAccKeyPlanted0123456789'] },
  { name: '<name>pwd=', text: 'config: dbpwd=DbPwdPlanted55 host=db', secrets: ['DbPwdPlanted55'] },
  { name: 'connection string Pwd=', text: 'Server=db;User Id=sa;Pwd=ConnStrPwdPlanted77;', secrets: ['ConnStrPwdPlanted77'] },
  { name: 'password with spaces in quotes', text: 'password: "correct horse planted staple"', secrets: ['correct horse planted staple'] },
  { name: 'GCP service account private_key field', text: '{"type": "service_account", "private_key_id": "abc", "private_key": "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBplantedGCPbody\\n-----END PRIVATE KEY-----\\n", "client_email": "x@p.iam.gserviceaccount.com"}', secrets: ['MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBplantedGCPbody'] },
  { name: 'AWS access key id', text: 'InvalidClientTokenId: AKIAPLANTEDEXAMPLE7Q', secrets: ['AKIAPLANTEDEXAMPLE7Q'] },
  { name: 'AWS secret access key', text: 'aws_secret_access_key = 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', secrets: ['wJalrXUtnFEMI/K7MDENG/bPxRfiCYPLANTEDKEY'] },
  { name: 'GitHub classic token', text: 'remote: token ghp_PlantedGitHubToken0123456789abcdefABCD rejected', secrets: ['ghp_PlantedGitHubToken0123456789abcdefABCD'] },
  { name: 'GitHub fine-grained token', text: 'using github_pat_11PLANTED0_abcdefghijklmnopqrstuvwxyz0123456789', secrets: ['github_pat_11PLANTED0_abcdefghijklmnopqrstuvwxyz0123456789'] },
  { name: 'GitLab token', text: 'glpat-PlantedGitLab12345xyz used', secrets: ['glpat-PlantedGitLab12345xyz'] },
  { name: 'JWT', text: 'id_token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJwbGFudGVkIn0.PlantedJwtSignature123', secrets: ['eyJzdWIiOiJwbGFudGVkIn0', 'PlantedJwtSignature123'] },
  { name: 'Slack bot token', text: 'slack: xoxb-123456789012-PlantedSlackBot', secrets: ['xoxb-123456789012-PlantedSlackBot'] },
  { name: 'npm token', text: '//registry.npmjs.org/:_authToken=npm_PlantedNpmToken0123456789abcdefgh', secrets: ['npm_PlantedNpmToken0123456789abcdefgh'] },
  { name: 'Google API key', text: 'key=AIzaSyPlantedGoogleKey0123456789abcdefg', secrets: ['AIzaSyPlantedGoogleKey0123456789abcdefg'] },
  { name: 'Stripe live key', text: 'stripe: sk_live_PlantedStripe0123456789', secrets: ['sk_live_PlantedStripe0123456789'] },
  { name: 'OpenAI project key', text: 'openai: sk-proj-PlantedOpenAi0123456789abcdef', secrets: ['sk-proj-PlantedOpenAi0123456789abcdef'] },
  { name: 'SendGrid key', text: 'SG.PlantedSendGrid01.PlantedSendGridSecret0123', secrets: ['PlantedSendGridSecret0123'] },
  { name: 'Hugging Face token', text: 'hf_PlantedHuggingFaceTokenabcdefghijkl', secrets: ['hf_PlantedHuggingFaceTokenabcdefghijkl'] },
  { name: 'DigitalOcean token', text: `doctl: dop_v1_${'ab12'.repeat(16)}`, secrets: ['ab12'.repeat(16)] },
  { name: 'Vault token', text: 'X-Vault-Token hvs.PlantedVaultToken0123456789ab', secrets: ['hvs.PlantedVaultToken0123456789ab'] },
  { name: 'Twilio API key', text: 'twilio SK0123456789abcdef0123456789abcdef', secrets: ['SK0123456789abcdef0123456789abcdef'] },
  { name: 'Mailgun key', text: 'mailgun key-0123456789abcdef0123456789abcdef', secrets: ['key-0123456789abcdef0123456789abcdef'] },
  { name: 'Shopify token', text: 'shopify shpat_0123456789abcdef0123456789abcdef', secrets: ['shpat_0123456789abcdef0123456789abcdef'] },
  { name: 'Databricks token', text: 'databricks dapi0123456789abcdef0123456789abcdef', secrets: ['dapi0123456789abcdef0123456789abcdef'] },
  { name: 'curl -u user:password', text: '+ curl -u deploy:CurlUserPassPlanted https://x', secrets: ['CurlUserPassPlanted'] },
  { name: 'Docker config auth', text: '{"auths": {"quay.io": {"auth": "ZG9ja2VyOlBsYW50ZWREb2NrZXJBdXRo"}}}', secrets: ['ZG9ja2VyOlBsYW50ZWREb2NrZXJBdXRo'] },
  { name: 'client_secret JSON field', text: '{"client_id": "abc", "client_secret": "ClientSecretJsonPlanted"}', secrets: ['ClientSecretJsonPlanted'] },
  { name: 'export TOKEN=', text: 'export DEPLOY_TOKEN=DeployTokenExportPlanted', secrets: ['DeployTokenExportPlanted'] },
];
