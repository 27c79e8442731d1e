ALTER TABLE firms ADD COLUMN identity_verified_at BIGINT;
ALTER TABLE firms ADD COLUMN identity_provider TEXT;
ALTER TABLE users ADD COLUMN oidc_issuer TEXT;
ALTER TABLE users ADD COLUMN oidc_subject TEXT;
CREATE UNIQUE INDEX users_oidc ON users(oidc_issuer, oidc_subject);

-- Unified identity (统一身份认证) through an external OpenID Connect provider.
-- firms.identity_verified_at (epoch ms) / identity_provider (issuer URL): the
-- provider asserted this firm's unified social credit code, so onboarding needs
-- no manual identity review. users.oidc_issuer + oidc_subject: the provider
-- identity an account signs in with (both NULL for password-only accounts).
-- (Comments come last: the schema test reads each ALTER from its statement's start.)
-- Keep migrations/sqlite/0009_oidc.sql in step.
